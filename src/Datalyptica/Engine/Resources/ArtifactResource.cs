using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Engine.Resources;

/// <summary>Where an artifact comes from: a URL (http, https or file) and its pinned SHA-512 (128 hex digits).</summary>
public sealed record ArtifactSource(string Url, string Sha512)
{
    public static bool IsSha512(string? s) => s is { Length: 128 } && s.All(char.IsAsciiHexDigit);
}

/// <summary>
/// A release tarball unpacked into <c>/opt/datalyptica/&lt;id&gt;/&lt;version&gt;</c> with a <c>current</c> symlink
/// switched atomically (ln -sfn to a temp name, then mv -T). The control node downloads it once and verifies the pinned
/// SHA-512 before any host is touched (<see cref="Apply.ArtifactStore"/>). The folder holds a marker with the SHA-512,
/// so a half-unpacked folder (interrupted apply) is never mistaken for a finished one. A Python application's artifact
/// is a wheelhouse (<see cref="ArchiveFormat.Wheelhouse"/>): the same upload, marker and link, but the folder is a
/// virtualenv pip builds from it (<see cref="WheelhouseInstall"/>).
/// </summary>
public sealed record ArtifactResource(string Component, string Version, ArtifactSource? Source) : IResource
{
    public const string MarkerName = ".datalyptica-sha512";
    public int StripComponents { get; init; } = 1;
    /// <summary>
    /// How the file unpacks (a tarball, a zip holding one program, a file used as is) from the release's manifest; a
    /// site-built artifact with no upstream release (a Python application's wheelhouse) from its component's declaration.
    /// </summary>
    public ArchiveFormat Format { get; init; } = ComponentCatalog.Find(Component)?.SiteBuiltArtifact ?? ArchiveFormat.TarGz;
    /// <summary>The zip member (<see cref="ArchiveFormat.Zip"/>) and where a single-file release goes in the install folder.</summary>
    public string? ZipMember { get; init; }
    public string? InstallAs { get; init; }
    /// <summary>Why there is no source, with the fix (the artifact catalog words it); null: the generic reason.</summary>
    public string? Unavailable { get; init; }
    /// <summary>The source is the lab's release-faithful stand-in, not the release (docs/ARTIFACTS.md): the plan says "(stand-in)".</summary>
    public bool StandIn { get; init; }
    private string Named => StandIn ? $"{Component} {Version} (stand-in)" : $"{Component} {Version}";

    /// <summary>The resource for <paramref name="artifact"/> at <paramref name="version"/>, unpacked as its release declares.</summary>
    public static ArtifactResource For(string artifact, string version, ArtifactSource? source, ArtifactRelease? release, string? unavailable) =>
        new(artifact, version, source)
        {
            StripComponents = release?.StripComponents ?? 1,
            Format = release?.Format ?? ComponentCatalog.Find(artifact)?.SiteBuiltArtifact ?? ArchiveFormat.TarGz,
            ZipMember = release?.ZipMember,
            InstallAs = release?.InstallAs,
            Unavailable = unavailable,
        };

    public string Id => $"artifact:{Component}";
    public string InstallDirectory => PlatformPaths.Install(Component, Version);
    public string CurrentLink => PlatformPaths.Current(Component);
    private string Marker => $"{InstallDirectory}/{MarkerName}";

    /// <summary>Where the verified archive is uploaded on the host (beside its install folder), with the test root.</summary>
    public string ArchivePath(string root) => $"{root}{InstallDirectory}.datalyptica-download";

    public void Require(FactQuery query) { query.File(Marker); query.Link(CurrentLink); }

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        if (Source is null)
            return ResourcePlan.Of(new Change(ChangeAction.Unavailable, Unavailable ??
                $"artifact not available: no source for {Component} {Version}. Fix: run datalyptica artifacts fetch SITE (or import), " +
                $"or set datalyptica_artifacts.{Component} (url and sha512) in group_vars/all"));
        if (!ArtifactSource.IsSha512(Source.Sha512))
            return ResourcePlan.Of(new Change(ChangeAction.Unavailable,
                $"artifact {Component} {Version}: the pinned sha512 is not 128 hex digits. Fix: copy it from the release's .sha512 file"));

        var dir = context.OnHost(InstallDirectory);
        var link = context.OnHost(CurrentLink);
        var changes = new List<Change>();
        var unpacked = facts.File(Marker).Sha256 == FileResource.Sha256Hex(Source.Sha512.ToLowerInvariant() + "\n");
        if (!unpacked)
        {
            var archive = ArchivePath(context.Root);
            var partial = $"{dir}.datalyptica-partial";
            var wheelhouse = Format == ArchiveFormat.Wheelhouse;
            changes.Add(new Change(ChangeAction.Create, wheelhouse
                ? $"{Named} not installed in {InstallDirectory} (virtualenv from its wheelhouse)"
                : $"{Named} not unpacked in {InstallDirectory}")
            {
                Steps =
                [
                    PlanStep.Run($"mkdir -p {Q(context.OnHost(PlatformPaths.InstallRoot + "/" + Component))}"),
                    PlanStep.UploadArtifact(archive, Source.Url, Source.Sha512.ToLowerInvariant()),
                    wheelhouse
                        // A virtualenv names its own path: built in place, the marker written last (WheelhouseInstall).
                        ? PlanStep.Run(WheelhouseInstall.Command(archive, dir, Source.Sha512.ToLowerInvariant(), StripComponents))
                        // Unpack beside the target, write the marker last, then rename: the folder appears complete or not at all.
                        : PlanStep.Run($"rm -rf {Q(partial)} && mkdir -p {Q(partial)} && {Unpack(archive, partial)} " +
                                       $"&& printf '%s\\n' {Source.Sha512.ToLowerInvariant()} > {Q(partial + "/" + MarkerName)} && rm -rf {Q(dir)} && mv {Q(partial)} {Q(dir)} && rm -f {Q(archive)}"),
                ],
            });
        }
        var currentTarget = facts.Link(CurrentLink).Target;
        if (currentTarget != dir)
            changes.Add(new Change(currentTarget is null ? ChangeAction.Create : ChangeAction.Update,
                $"current -> {InstallDirectory}{(StandIn ? " (stand-in)" : "")}{(currentTarget is null ? "" : $" (was {currentTarget}, kept for rollback; older versions removed)")}")
            {
                Steps = [PlanStep.Run($"ln -sfn {Q(dir)} {Q(link + ".datalyptica-new")} && mv -T {Q(link + ".datalyptica-new")} {Q(link)}" +
                                      (currentTarget is null ? "" : " && " + RemoveOlderVersions(context, dir, currentTarget)))],
            });
        return changes.Count == 0 ? ResourcePlan.Noop($"{Named} {(Format == ArchiveFormat.Wheelhouse ? "installed" : "unpacked")} and current") : ResourcePlan.Of([.. changes]);
    }

    /// <summary>
    /// After an upgrade switched <c>current</c>: the version it left stays beside the new one (a rollback is one link
    /// switch), every older version folder of the component goes. Only folders holding the marker, so only what apply
    /// itself unpacked (never a folder someone put there), never the two it keeps, and never a link: the glob's */ also
    /// matches <c>current</c> itself (a link to a folder holding the marker).
    /// </summary>
    private string RemoveOlderVersions(PlanContext context, string keep, string previous)
    {
        var root = context.OnHost($"{PlatformPaths.InstallRoot}/{Component}");
        return $"for d in {Q(root)}/*/; do d=\"${{d%/}}\"; [ -L \"$d\" ] || [ \"$d\" = {Q(keep)} ] || [ \"$d\" = {Q(previous)} ] || [ ! -f \"$d/{MarkerName}\" ] || rm -rf -- \"$d\"; done";
    }

    private string Unpack(string archive, string partial)
    {
        var single = $"{partial}/{InstallAs}";
        var folder = single[..single.LastIndexOf('/')];
        return Format switch
        {
            // One program out of a zip (Loki): unzip -p writes the member to stdout; no other member is unpacked.
            ArchiveFormat.Zip => $"mkdir -p {Q(folder)} && unzip -p {Q(archive)} {Q(ZipMember!)} > {Q(single)} && chmod 0755 {Q(single)}",
            // A file used as is (Nessie's runner jar): readable, not executable.
            ArchiveFormat.File => $"mkdir -p {Q(folder)} && cp {Q(archive)} {Q(single)} && chmod 0644 {Q(single)}",
            _ => $"tar -xf {Q(archive)} -C {Q(partial)} --strip-components={StripComponents} --no-same-owner",
        };
    }

    private static string Q(string s) => RemoteCommand.Quote(s);
}
