using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Components.Loki;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Alloy;

/// <summary>
/// Alloy 1.5 on every host of a site with Loki (grafana.com/docs/alloy/v1.5/reference/components): the journal
/// (<c>loki.source.journal</c>, unit → <c>unit</c> and <c>component</c> labels through <c>loki.relabel</c>) and the
/// platform's log files (<c>local.file_match</c> over /var/log/datalyptica/**/*.log, the folder's name as
/// <c>component</c> through <c>discovery.relabel</c>, then <c>loki.source.file</c>) go to one <c>loki.write</c> whose
/// external labels are the site, the host and its tier. Every value in config.alloy goes through <see cref="AlloyText"/>.
/// </summary>
public sealed class AlloyRenderer : IComponentRenderer
{
    public const string Id = "alloy";
    public const string User = "alloy";
    public static readonly string ConfigPath = $"{PlatformPaths.Config(Id)}/config.alloy";
    public static readonly string DataDir = PlatformPaths.Data(Id);
    /// <summary>The platform's log files, one folder per component (PlatformPaths.Logs).</summary>
    public static readonly string LogGlob = $"{PlatformPaths.LogRoot}/**/*.log";
    /// <summary>The cgroup ceiling: the shipper lives inside the OS reserve of every host (OsBase.Reserve).</summary>
    public const int MemoryMaxMb = 512;
    /// <summary>Loki's push API (Loki HTTP API, "POST /loki/api/v1/push").</summary>
    public const string PushPath = "/loki/api/v1/push";
    /// <summary>The <c>component</c> label of the OS base's own units (chrony, nftables, node exporter).</summary>
    public const string OsBaseComponent = "os-base";
    /// <summary>The journal's group (systemd-journald(8): members read the system journal).</summary>
    public const string JournalGroup = "systemd-journal";
    /// <summary>Reads every component's 0750 log folder without joining each component's group (capabilities(7)).</summary>
    public const string ReadCapability = "CAP_DAC_READ_SEARCH";

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!ctx.Has(AlloyComponent.Agent) || ctx.Members(LokiComponent.Server).Count == 0) yield break;
        yield return new RenderedFile(Id, ConfigPath, Config(ctx)) { Group = User, Mode = Modes.Private };
        yield return new RenderedFile(Id, PlatformPaths.Unit("alloy"), new SystemdUnit("Grafana Alloy log shipper (datalyptica)",
            $"{PlatformPaths.Current(Id)}/bin/alloy run --server.http.listen-addr={HostPort(ctx.Host.Address, ctx.Port(AlloyComponent.Http))} " +
            $"--storage.path={DataDir} --disable-reporting {ConfigPath}", User)
        {
            WorkingDirectory = DataDir,
            SupplementaryGroups = [JournalGroup],
            AmbientCapabilities = [ReadCapability],
            MemoryMaxMb = MemoryMaxMb,
            ReadWritePaths = [DataDir, PlatformPaths.Logs(Id)],
        }.Render()) { Kind = FileKind.SystemdUnit };
    }

    /// <summary>
    /// The Loki member this host pushes to: itself when it is one, else members in turn by the host's place in the site
    /// (as Grafana's servers spread their Loki datasource). Any ring member's distributor takes a push and replicates it.
    /// </summary>
    public static Host LokiFor(RenderContext ctx)
    {
        var lokis = ctx.Members(LokiComponent.Server);
        return lokis.FirstOrDefault(l => ReferenceEquals(l, ctx.Host))
               ?? lokis[ctx.IndexIn(AlloyComponent.Agent) % lokis.Count];
    }

    public static string PushUrl(Host loki) => $"http://{HostPort(loki.Address, loki.Port(LokiComponent.Http))}{PushPath}";

    private static string HostPort(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    /// <summary>Journal unit names (without ".service") by the component that runs them on this host, OS base first.</summary>
    public static IEnumerable<(string Component, IReadOnlyList<string> Units)> UnitsByComponent(RenderContext ctx) =>
        ServiceAccounts.ComponentsOn(ctx).Select(c => (c.Id, (IReadOnlyList<string>)c.Lifecycle.Units.Select(u => u.Name).ToList()))
            .Prepend((OsBaseComponent, OsBaseLifecycle.Declaration.Units.Select(u => u.Name).ToList()))
            .Where(c => c.Item2.Count > 0);

    /// <summary>A literal for a relabel regex (RE2, fully anchored): metacharacters escaped.</summary>
    public static string RegexLiteral(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            if (@"\.+*?()|[]{}^$".Contains(c)) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string Config(RenderContext ctx)
    {
        var loki = LokiFor(ctx);
        var sb = new StringBuilder();
        sb.Append("// Generated by datalyptica. Grafana Alloy ").Append(FormatGuard.Comment(ctx.Version(ComponentCatalog.Get(Id))))
          .Append(": this host's journal and ").Append(PlatformPaths.LogRoot).Append(" to Loki.\n\n");

        sb.Append("loki.write \"loki\" {\n");
        sb.Append("  endpoint {\n");
        sb.Append("    url = ").Append(AlloyText.Quote(PushUrl(loki))).Append('\n');
        sb.Append("  }\n");
        // The same on every stream of this host; the component varies per stream (relabel rules below).
        sb.Append("  external_labels = {\n");
        sb.Append("    site = ").Append(AlloyText.Quote(ctx.Site.Name)).Append(",\n");
        sb.Append("    host = ").Append(AlloyText.Quote(ctx.Host.Name)).Append(",\n");
        sb.Append("    tier = ").Append(AlloyText.Quote(ctx.Host.Tier.GroupName())).Append(",\n");
        sb.Append("  }\n");
        sb.Append("}\n\n");

        // Journal fields arrive as __journal_FIELD labels and are dropped unless relabelled (loki.source.journal docs).
        sb.Append("loki.relabel \"journal\" {\n");
        sb.Append("  forward_to = []\n\n");
        Rule(sb, "__journal__systemd_unit", null, "unit", null);
        Rule(sb, "__journal_priority_keyword", null, "level", null);
        foreach (var (component, units) in UnitsByComponent(ctx))
            Rule(sb, "__journal__systemd_unit", $"({string.Join('|', units.Select(RegexLiteral))})\\.service", "component", component);
        sb.Append("}\n\n");

        sb.Append("loki.source.journal \"journal\" {\n");
        sb.Append("  relabel_rules = loki.relabel.journal.rules\n");
        sb.Append("  labels        = {source = ").Append(AlloyText.Quote("journal")).Append("}\n");
        sb.Append("  forward_to    = [loki.write.loki.receiver]\n");
        sb.Append("}\n\n");

        sb.Append("local.file_match \"datalyptica\" {\n");
        sb.Append("  path_targets = [\n");
        sb.Append("    {\"__path__\" = ").Append(AlloyText.Quote(LogGlob)).Append("},\n");
        foreach (var extra in AlloySettings.ExtraLogPaths.Get(ctx.Site, ctx.Host) ?? [])
            sb.Append("    {\"__path__\" = ").Append(AlloyText.Quote(extra)).Append("},\n");
        sb.Append("  ]\n");
        sb.Append("}\n\n");

        // /var/log/datalyptica/COMPONENT/...: the folder names the component (PlatformPaths.Logs).
        sb.Append("discovery.relabel \"datalyptica_files\" {\n");
        sb.Append("  targets = local.file_match.datalyptica.targets\n\n");
        Rule(sb, "__path__", $"{RegexLiteral(PlatformPaths.LogRoot)}/([^/]+)/.*", "component", null);
        sb.Append("}\n\n");

        sb.Append("loki.source.file \"datalyptica\" {\n");
        sb.Append("  targets    = discovery.relabel.datalyptica_files.output\n");
        sb.Append("  forward_to = [loki.write.loki.receiver]\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    private static void Rule(StringBuilder sb, string source, string? regex, string target, string? replacement)
    {
        sb.Append("  rule {\n");
        sb.Append("    source_labels = ").Append(AlloyText.List([source])).Append('\n');
        if (regex is not null) sb.Append("    regex         = ").Append(AlloyText.Quote(regex)).Append('\n');
        sb.Append("    target_label  = ").Append(AlloyText.Quote(target)).Append('\n');
        if (replacement is not null) sb.Append("    replacement   = ").Append(AlloyText.Quote(replacement)).Append('\n');
        sb.Append("  }\n");
    }
}
