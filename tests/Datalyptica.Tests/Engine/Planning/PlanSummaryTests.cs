using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>Issue 17: the plan ends like Terraform's, per layer and in all; colours only for a terminal.</summary>
public sealed class PlanSummaryTests
{
    private static Change C(ChangeAction action, Layer layer, string id, string? diff = null) =>
        new(action, "because") { Layer = layer, ResourceId = id, Diff = diff };

    private static readonly Plan Sample = new("s1",
    [
        new HostPlan("db01", [C(ChangeAction.Create, Layer.Prerequisites, "package:chrony"), C(ChangeAction.Update, Layer.Catalog, "file:/etc/patroni.yml", "--- a\n+++ b\n-x\n+y\n"),
                              C(ChangeAction.Restart, Layer.Catalog, "service:patroni")]) { Unchanged = 5 },
        new HostPlan("db02", [C(ChangeAction.Create, Layer.Prerequisites, "package:chrony"), C(ChangeAction.Delete, Layer.Catalog, "file:/etc/old.conf"),
                              C(ChangeAction.NotApplicable, Layer.Prerequisites, "sysctl:vm.swappiness")]),
        new HostPlan("db03", []) { Unchanged = 9 },
    ]);

    [Fact]
    public void Counts_per_layer_and_in_all()
    {
        var text = PlanHumanView.Render(Sample);
        var lines = text.Split('\n');
        lines.ShouldContain("  prerequisites  2 to add, 0 to change, 0 to destroy, 0 to restart, on 2 host(s)");
        lines.ShouldContain("  catalog        0 to add, 1 to change, 1 to destroy, 1 to restart, on 2 host(s)");
        lines.ShouldContain("Plan: 2 to add, 1 to change, 1 to destroy, 1 to restart.");
        lines.ShouldContain("    - file:/etc/old.conf  because");
        text.ShouldNotContain("\u001b[");
    }

    [Fact]
    public void A_plan_with_nothing_pending_has_no_summary()
    {
        var none = new Plan("s1", [new HostPlan("db03", []) { Unchanged = 9 }]);
        PlanHumanView.Render(none).ShouldNotContain("Plan: ");
    }

    [Fact]
    public void Colours_mark_each_action_and_diff_line_when_asked()
    {
        var text = PlanHumanView.Render(Sample, color: true);
        text.ShouldContain("\u001b[32m+ package:chrony\u001b[0m");
        text.ShouldContain("\u001b[33m~ file:/etc/patroni.yml\u001b[0m");
        text.ShouldContain("\u001b[31m- file:/etc/old.conf\u001b[0m");
        text.ShouldContain("\u001b[36m! service:patroni\u001b[0m");
        text.ShouldContain("\u001b[31m-x\u001b[0m");
        text.ShouldContain("\u001b[32m+y\u001b[0m");
    }

    [Fact]
    public void Only_layer_keeps_that_layers_changes()
    {
        var catalog = Sample.OnlyLayer(Layer.Catalog);
        catalog.Hosts.SelectMany(h => h.Changes).ShouldAllBe(c => c.Layer == Layer.Catalog);
        catalog.PendingCount.ShouldBe(3);
    }
}
