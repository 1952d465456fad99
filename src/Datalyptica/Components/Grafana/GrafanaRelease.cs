using Datalyptica.Contracts;

namespace Datalyptica.Components.Grafana;

/// <summary>Grafana OSS's standalone Linux binaries (grafana.com/grafana/download) from dl.grafana.com, with the .sha256 beside each file.</summary>
public static class GrafanaRelease
{
    public static readonly ArtifactRelease V11_4_0 = new("grafana", "11.4.0",
        "https://dl.grafana.com/oss/release/grafana-11.4.0.linux-amd64.tar.gz",
        new("https://dl.grafana.com/oss/release/grafana-11.4.0.linux-amd64.tar.gz.sha256", ChecksumAlgorithm.Sha256, ChecksumFormat.Bare))
    {
        TopFolder = "grafana-v11.4.0",
        EntryPrograms = ["bin/grafana"],
        ApproximateMb = 190,
    };

    public static readonly IReadOnlyList<ArtifactRelease> All = [V11_4_0];
}
