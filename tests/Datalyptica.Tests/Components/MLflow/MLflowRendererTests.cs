using Datalyptica.Components.MLflow;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;

namespace Datalyptica.Tests.Components.MLflow;

/// <summary>MLflow cannot be installed here (no release archive in Debian, NuGet or npm): the unit and environment file are checked against the site.</summary>
public class MLflowRendererTests
{
    [Fact]
    public void Unit_serves_on_its_port_under_mlflow_with_artifacts_in_the_ml_bucket()
    {
        foreach (var site in AppTests.Sites)
        foreach (var m in site.Site.HostsWith(MLflowComponent.Server))
        {
            var unit = site.File(m.Name, "/etc/systemd/system/mlflow.service").Content;
            unit.ShouldContain($"--host {m.Address} --port {m.Port(MLflowComponent.Http)}");
            unit.ShouldContain($"--artifacts-destination s3://{site.Site.ObjectStore!.Buckets["ml"]}/mlflow");
            unit.ShouldContain("--static-prefix /mlflow");
            unit.ShouldContain($"EnvironmentFile={MLflowRenderer.EnvPath}");
            var env = site.File(m.Name, MLflowRenderer.EnvPath);
            env.Mode.ShouldBe(Modes.Private);
            env.Content.ShouldContain($"MLFLOW_S3_ENDPOINT_URL={site.Site.ObjectStore!.Endpoint}\n");
            env.Content.ShouldContain($"MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:@@secret:vault_mlflow_db_password@@@{site.Site.Vips[0].Address}:5000/mlflow\n");
        }
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "mlflow", "vault_mlflow_db_password", "vault_s3_access_key"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("mlflow");
}
