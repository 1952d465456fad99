using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.PostgreSQL;

/// <summary>
/// The host installs postgresql-MAJOR for the pinned major and Patroni runs /usr/lib/postgresql/MAJOR/bin: that package
/// must exist in the site's package source. Debian 12 ships only 15 (https://packages.debian.org/bookworm/postgresql-15);
/// other majors come from apt.postgresql.org (https://wiki.postgresql.org/wiki/Apt), which the site must say it carries
/// (postgresql_pgdg: true), or apply would fail at the package (or install a server Patroni is not pointed at).
/// </summary>
public sealed class PostgreSQLPackageRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (!site.HostsWith(PostgreSQLComponent.Member).Any()) yield break;
        var version = site.Versions.GetValueOrDefault(PostgreSQLComponent.Member.Component.Id, PostgreSQLComponent.Member.Component.DefaultVersion);
        var major = PostgresLayout.MajorOf(version);
        if (major == PostgreSQLComponent.DebianMajor || PostgreSQLSettings.Pgdg.Read(site)) yield break;
        yield return new Diagnostic(FindingCodes.PostgresMajorNotInOsRepository,
            $"PostgreSQL {version} is pinned, but Debian 12's repository ships only PostgreSQL {PostgreSQLComponent.DebianMajor} (postgresql-{PostgreSQLComponent.DebianMajor}); " +
            $"postgresql-{major} would not install and Patroni's bin_dir /usr/lib/postgresql/{major}/bin would not exist.",
            $"pin postgresql: '{PostgreSQLComponent.DebianMajor}' under {SiteKeys.Versions}, or set {PostgreSQLSettings.Pgdg.Key}: true once the site's package source " +
            "carries apt.postgresql.org (the apt_mirror_url mirror includes it, or repo build runs on a control node with PGDG in its apt sources).",
            site.Var(SiteKeys.Versions)?.Source ?? site.Source, $"{SiteKeys.Versions}.{PostgreSQLComponent.Member.Component.Id}");
    }
}
