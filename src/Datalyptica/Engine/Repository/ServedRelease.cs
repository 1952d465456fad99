using Datalyptica.Pki;

namespace Datalyptica.Engine.Repository;

/// <summary>
/// The Release file and its detached signature (Release.gpg) that apply serves in place of the unsigned Release on disk,
/// made from the index files being served when the server starts. apt fetches InRelease first; it is answered 404 so
/// no stale clear-signed copy in the folder can take precedence, and apt falls back to Release + Release.gpg.
/// <para>
/// Dates, which apt checks by default (Acquire::Check-Date and Check-Valid-Until): Date is set <see cref="Backdate"/>
/// in the past, so a host whose clock runs behind the control node's (chrony comes from this very repository) still
/// accepts it; Valid-Until is <see cref="Lifetime"/> ahead, so a Release captured from one apply cannot be replayed to
/// hosts after that.
/// </para>
/// </summary>
public static class ServedRelease
{
    public static readonly TimeSpan Backdate = TimeSpan.FromDays(1);
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
    public const string Signature = "Release.gpg";
    public const string ClearSigned = "InRelease";

    /// <summary>Path below the repository root → content to serve instead of the file (null: answer 404).</summary>
    public static IReadOnlyDictionary<string, byte[]?> Sign(string directory, RepositorySigningKey key, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(key);
        var manifest = RepositoryManifest.Load(directory)
            ?? throw new RepositoryBuildException($"'{directory}' has no {RepositoryLayout.Manifest}. Fix: `datalyptica repo build SITE --out {directory}`.");
        var indexes = new[] { RepositoryLayout.Packages, RepositoryLayout.PackagesGz }
            .Select(name => (name, File.ReadAllBytes(Path.Combine(directory, name)))).ToList();
        var release = System.Text.Encoding.UTF8.GetBytes(
            OfflineRepositoryBuilder.ReleaseFile(manifest, indexes, nowUtc - Backdate, nowUtc + Lifetime));
        return new Dictionary<string, byte[]?>(StringComparer.Ordinal)
        {
            [RepositoryLayout.Release] = release,
            [Signature] = key.SignDetached(release, nowUtc),
            [ClearSigned] = null,
        };
    }
}
