using Datalyptica.Contracts;

namespace Datalyptica.Components.ClickHouse;

/// <summary>
/// ClickHouse's static binary from its tgz repository (clickhouse.com/docs/en/install, "tgz archives"): only
/// clickhouse-common-static is needed (server and keeper are the same binary); each tgz has a .sha512 beside it. The
/// archive is a .deb tree under one top folder (<c>NAME/usr/bin/clickhouse</c>, built by packages/build's deb2tgz),
/// so only the top folder is stripped, like every other release, and the units run <c>current/usr/bin/clickhouse</c>.
/// </summary>
public static class ClickHouseRelease
{
    public static readonly ArtifactRelease V24_12_2_59 = new("clickhouse", "24.12.2.59",
        "https://packages.clickhouse.com/tgz/stable/clickhouse-common-static-24.12.2.59-amd64.tgz",
        new("https://packages.clickhouse.com/tgz/stable/clickhouse-common-static-24.12.2.59-amd64.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.Sums))
    {
        TopFolder = "clickhouse-common-static-24.12.2.59",
        EntryPrograms = ["usr/bin/clickhouse"],
        ApproximateMb = 140,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V24_12_2_59];
}
