using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

using static Datalyptica.Tests.Components.ReleaseFiles.ReleaseFixtures;

namespace Datalyptica.Tests.Components.ReleaseFiles;

/// <summary>
/// Issue 14, deliverable 5 (first layer): every path the plan uses inside an artifact's install folder
/// (/opt/datalyptica/&lt;id&gt;/current/... or /&lt;version&gt;/...: unit ExecStart and environment, env files, config files,
/// guarded first-start commands, files the plan writes there, and what those imply such as JAVA_HOME/bin/java) must be an
/// entry of that release's real archive after the unpack rule of <see cref="ArtifactResource"/> (tar -x
/// --strip-components). The archives' file lists are fixtures in this folder (&lt;id&gt;-&lt;version&gt;.txt), each naming the
/// upstream build file or release page it was derived from. Pure: no host, no archive.
/// </summary>
public class ReleaseFilesTests
{
    /// <summary>
    /// Installed from artifacts we build for the site (a virtualenv), not from an upstream release archive: there is no
    /// upstream file list to hold the plan to.
    /// </summary>
    private static readonly Dictionary<string, string> SiteBuiltArtifacts = new()
    {
        ["airflow"] = "pinned virtualenv artifact built for the site",
        ["jupyterhub"] = "pinned virtualenv artifact built for the site",
        ["mlflow"] = "pinned virtualenv artifact built for the site",
        ["superset"] = "pinned virtualenv artifact built for the site",
    };

    /// <summary>
    /// Failures this test proves that a path fix in a renderer cannot cure (a new install step is needed). The test fails
    /// when one of them no longer occurs, so the entry is removed with its fix. Keys are <see cref="Failure.Key"/>. Empty
    /// since the release manifests: the JDK is Trino's runtime, Nessie's jar is placed as is, Loki's zip is unzipped.
    /// </summary>
    private static readonly Dictionary<string, string> KnownGaps = new();

    private static readonly Lazy<IReadOnlyList<(string Profile, Site Site, HostFiles Host)>> Rendered = new(() => BuiltInProfiles.All
        .Select(p => (p.Name, Site: ProfileExpander.Expand(p, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk")))
        .SelectMany(s => SiteRenderer.Render(s.Site).Select(h => (s.Name, s.Site, h)))
        .ToList());

    [Fact]
    public void Every_release_artifact_component_has_a_file_list_of_its_default_version()
    {
        var problems = new List<string>();
        foreach (var component in ComponentCatalog.All.Where(c => c.Install == InstallSource.Artifact && !SiteBuiltArtifacts.ContainsKey(c.Id)))
        {
            var release = Release.TryLoad(component.Id, component.DefaultVersion);
            if (release is null) problems.Add($"{component.Id}: no fixture {Release.FileName(component.Id, component.DefaultVersion)} (DefaultVersion {component.DefaultVersion})");
            else if (release.Entries.Count == 0) problems.Add($"{component.Id}: fixture {release.File} lists no entry");
        }
        foreach (var (id, version) in Runtimes)
            if (Release.TryLoad(id, version) is null) problems.Add($"{id}: no fixture {Release.FileName(id, version)}");
        problems.ShouldBeEmpty(string.Join("\n", problems));
    }

    [Fact]
    public void Every_install_folder_path_the_plan_uses_is_an_entry_of_the_real_release_after_unpacking()
    {
        var failures = Check(out var checkedComponents);
        // Not vacuous: every release with a fixture had at least one of its paths checked.
        var neverChecked = ComponentCatalog.All.Where(c => c.Install == InstallSource.Artifact && !SiteBuiltArtifacts.ContainsKey(c.Id))
            .Select(c => c.Id).Concat(Runtimes.Keys).Where(id => !checkedComponents.Contains(id)).ToList();
        neverChecked.ShouldBeEmpty("no path of these install folders was found in any rendered file: is the collection still matching?");
        var unexpected = failures.Where(f => !KnownGaps.ContainsKey(f.Key)).ToList();
        var cured = KnownGaps.Keys.Where(k => failures.All(f => f.Key != k)).ToList();
        var report = new StringBuilder();
        foreach (var group in unexpected.GroupBy(f => (f.Component, f.Path, f.Problem, f.UsedBy)))
        {
            var first = group.First();
            report.Append($"{first.Component}: {first.Path}: {first.Problem}\n    used by {first.UsedBy} ({first.Profile}/{first.Host}" +
                          $"{(group.Count() > 1 ? $" and {group.Count() - 1} more" : "")}); fixture {first.Fixture}\n");
        }
        foreach (var key in cured) report.Append($"known gap \"{key}\" no longer occurs: remove it from KnownGaps\n");
        report.ToString().ShouldBeEmpty();
    }

    /// <summary>One unresolved path. <see cref="Key"/> groups it for <see cref="KnownGaps"/>.</summary>
    private sealed record Failure(string Component, string Path, string Problem, string UsedBy, string Profile, string Host, string Fixture, string Key);

    private static readonly Regex WrittenByCommand = new(@"(?:>\s*|\bcp\s+\S+\s+)(?<path>/opt/datalyptica/[^\s""'`;)]+)", RegexOptions.Compiled);

    private static List<Failure> Check(out HashSet<string> checkedComponents)
    {
        var failures = new List<Failure>();
        checkedComponents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (profile, site, host) in Rendered.Value)
        {
            var written = host.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            var uses = new List<(string Path, string UsedBy)>();
            foreach (var file in host.Files)
            {
                if (file.Path.StartsWith(PlatformPaths.InstallRoot + "/", StringComparison.Ordinal)) uses.Add((file.Path, "written by the plan"));
                foreach (Match m in InstallPath.Matches(file.Content))
                {
                    uses.Add((m.Value, file.Path));
                    foreach (var implied in Implied(file.Content, m)) uses.Add((implied, $"{file.Path} (implied by {m.Value})"));
                }
            }
            foreach (var component in ComponentCatalog.All.Where(c => c.Roles.Any(host.Host.Has)))
                foreach (var command in component.Lifecycle.Commands?.Invoke(site, host.Host) ?? [])
                {
                    // A file the command itself writes (a stamp: `cp OPTIONS STAMP`, `> STAMP`) need not be in the release.
                    var writes = WrittenByCommand.Matches(command.Command).Select(w => w.Groups["path"].Value).ToHashSet(StringComparer.Ordinal);
                    foreach (Match m in InstallPath.Matches(command.Command + "\n" + command.Unless))
                        if (!writes.Contains(m.Value)) uses.Add((m.Value, $"{component.Id} command {command.Name}"));
                }

            foreach (var (path, usedBy) in uses.Distinct())
            {
                var problem = Resolve(site, path, written, out var component, out var fixture, out var key);
                checkedComponents.Add(component);
                if (problem is not null) failures.Add(new Failure(component, path, problem, usedBy, profile, host.Host.Name, fixture, key));
            }
        }
        return failures;
    }

    private static string? Resolve(Site site, string path, HashSet<string> written, out string component, out string fixture, out string key)
    {
        var m = InstallPath.Match(path);
        component = m.Groups["id"].Value;
        var segment = m.Groups["version"].Value;
        var rel = m.Groups["rel"].Success ? m.Groups["rel"].Value.Trim('/') : "";
        var definition = ComponentCatalog.Find(component);
        fixture = "(none)";
        key = $"{component}: {rel}";

        string version;
        if (definition is { Install: InstallSource.Artifact })
            version = site.Versions.GetValueOrDefault(component, definition.DefaultVersion);
        else if (Runtimes.TryGetValue(component, out var runtime))
            version = runtime;
        else
            return $"{component} is not a component installed from an artifact: nothing unpacks into {PlatformPaths.InstallRoot}/{component}";

        if (SiteBuiltArtifacts.ContainsKey(component)) return null;
        if (segment != "current" && segment != version)
        {
            key = $"{component}: version {segment}";
            return $"names version folder {segment}, but the plan unpacks {version} (use current or the site's version)";
        }
        var release = Release.TryLoad(component, version);
        if (release is null) { key = $"{component}: no fixture"; return $"no fixture {Release.FileName(component, version)}"; }
        fixture = release.File;
        if (release.UnpackProblem is { } unpack) { key = $"{component}: archive format"; return unpack; }
        if (rel.Length == 0 || release.Unpacked.Contains(rel)) return null;
        // A file the plan itself writes there (the same host), under either name of the folder.
        var install = PlatformPaths.Install(component, version);
        if (written.Contains($"{install}/{rel}") || written.Contains($"{PlatformPaths.Current(component)}/{rel}")) return null;
        var near = release.Unpacked.Where(e => Path.GetFileName(e) == Path.GetFileName(rel)).Take(3).ToList();
        return $"not in the release after tar --strip-components={release.Strip}" + (near.Count > 0 ? $" (the release has {string.Join(", ", near)})" : "");
    }
}
