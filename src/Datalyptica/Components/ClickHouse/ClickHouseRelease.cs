using Datalyptica.Contracts;

namespace Datalyptica.Components.ClickHouse;

/// <summary>
/// ClickHouse's static binary from its tgz repository (clickhouse.com/docs/en/install, "tgz archives"): only
/// clickhouse-common-static is needed (server and keeper are the same binary); each tgz has a .sha512 beside it. The
/// archive holds <c>NAME/usr/bin/clickhouse</c>, so two parts are stripped and the binary lands in <c>bin/</c>.
/// </summary>
public static class ClickHouseRelease
{
    public static readonly ArtifactRelease V24_12_2_59 = new("clickhouse", "24.12.2.59",
        "https://packages.clickhouse.com/tgz/stable/clickhouse-common-static-24.12.2.59-amd64.tgz",
        new("https://packages.clickhouse.com/tgz/stable/clickhouse-common-static-24.12.2.59-amd64.tgz.sha512", ChecksumAlgorithm.Sha512, ChecksumFormat.Sums))
    {
        TopFolder = "clickhouse-common-static-24.12.2.59",
        StripComponents = 2,
        EntryPrograms = ["bin/clickhouse"],
        ApproximateMb = 140,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V24_12_2_59];
}
