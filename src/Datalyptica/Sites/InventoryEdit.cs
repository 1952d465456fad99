using System.Net;
using System.Net.Sockets;
using Datalyptica.Inventory;

namespace Datalyptica.Sites;

/// <summary>Why an inventory edit was refused; nothing was written.</summary>
public sealed class InventoryEditException(string message) : Exception(message);

/// <summary>One file an edit writes (<see cref="After"/>) or removes (null), and what it held before (null: absent).</summary>
public sealed record InventoryFileEdit(string RelativePath, string? Before, string? After);

/// <summary>A host `hosts add` or `scale` puts into the site.</summary>
/// <param name="Groups">The groups it joins: role groups and its tier group.</param>
/// <param name="Vars">Its host_vars (ansible_host included).</param>
public sealed record NewHost(string Name, IPAddress Address, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, InventoryValue> Vars);

/// <summary>
/// A change to a site's inventory made by `hosts add|remove` and `scale`: hosts.yml with a host added to or taken out of
/// groups, and its host_vars file written or removed. The site is the user's file, so the edit is refused unless
/// hosts.yml is exactly what datalyptica writes for its groups (no comments, inline variables or layout of the user's
/// would be lost); the refusal says which lines to change by hand. <see cref="Write"/> writes each file atomically and
/// <see cref="Undo"/> puts every file back as it was.
/// </summary>
public sealed class InventoryEdit
{
    private InventoryEdit(string directory, IReadOnlyList<InventoryFileEdit> files)
    {
        Directory = directory;
        Files = files;
    }

    public string Directory { get; }
    public IReadOnlyList<InventoryFileEdit> Files { get; }

    /// <summary>The site with <paramref name="host"/> added to its groups and its host_vars/NAME.yml written.</summary>
    public static InventoryEdit AddHost(string siteDirectory, NewHost host)
    {
        if (!Validation.HostIdentityRule.IsHostLabel(host.Name))
            throw new InventoryEditException($"'{host.Name}' is not a host name. Fix: use letters, digits and hyphens (at most 63), not starting or ending with a hyphen.");
        if (host.Address.AddressFamily != AddressFamily.InterNetwork)
            throw new InventoryEditException($"{host.Address} is not an IPv4 address. Fix: give the host's IPv4 address, like 10.20.1.11.");
        var (inventory, document, hostsFile) = ReadStructure(siteDirectory);
        if (inventory.FindHost(host.Name) is not null)
            throw new InventoryEditException($"{hostsFile} already has a host '{host.Name}'. Fix: choose another name (--name).");
        if (inventory.FindGroup(host.Name) is not null)
            throw new InventoryEditException($"'{host.Name}' is a group in {hostsFile}. Fix: choose another name (--name).");
        if (host.Groups.Count == 0) throw new InventoryEditException("a new host needs at least one group. Fix: pass --group GROUP.");
        var groups = document.Groups.ToList();
        foreach (var group in host.Groups.Distinct(StringComparer.Ordinal))
        {
            var index = groups.FindIndex(g => g.Name == group);
            // A role group the site does not have yet is added at the top level, as init writes role groups.
            if (index < 0) groups.Add(new InventoryGroupDefinition(group) { Hosts = [host.Name] });
            else groups[index] = groups[index] with { Hosts = [.. groups[index].Hosts, host.Name] };
        }
        var hostVarsPath = HostVarsPath(host.Name);
        var hostVarsFull = Path.Combine(siteDirectory, hostVarsPath);
        if (File.Exists(hostVarsFull) || System.IO.Directory.Exists(Path.Combine(siteDirectory, "host_vars", host.Name)))
            throw new InventoryEditException($"{hostVarsFull} exists already (a host of that name was in the site before?). Fix: move it away or choose another name.");
        var vars = new Dictionary<string, InventoryValue>(host.Vars, StringComparer.Ordinal) { [Model.SiteKeys.Address] = InventoryValue.From(host.Address.ToString()) };
        return new InventoryEdit(siteDirectory,
        [
            HostsFileEdit(siteDirectory, hostsFile, document, document with { Groups = WithAll(groups) }),
            new InventoryFileEdit(hostVarsPath, null, AnsibleInventoryWriter.RenderVarsFile(vars)),
        ]);
    }

    /// <summary>
    /// The site with <paramref name="host"/> taken out of <paramref name="groups"/> (null: every group). A host left in
    /// no group leaves the site, and its host_vars file is removed (the edit keeps its content for <see cref="Undo"/>).
    /// </summary>
    public static InventoryEdit RemoveHost(string siteDirectory, string host, IReadOnlyCollection<string>? groups)
    {
        var (inventory, document, hostsFile) = ReadStructure(siteDirectory);
        if (inventory.FindHost(host) is null) throw new InventoryEditException($"{hostsFile} has no host '{host}'.");
        var direct = document.Groups.Where(g => g.Hosts.Contains(host, StringComparer.Ordinal)).Select(g => g.Name).ToList();
        foreach (var group in groups ?? [])
            if (!direct.Contains(group, StringComparer.Ordinal))
                throw new InventoryEditException($"{host} is not listed under the group '{group}' in {hostsFile} (it is under: {string.Join(", ", direct)}).");
        var leaving = groups is null ? direct : direct.Where(g => groups.Contains(g, StringComparer.Ordinal)).ToList();
        var updated = document.Groups.Select(g => leaving.Contains(g.Name, StringComparer.Ordinal)
            ? g with { Hosts = g.Hosts.Where(h => h != host).ToList() } : g).ToList();
        var stays = updated.Any(g => g.Hosts.Contains(host, StringComparer.Ordinal));
        var files = new List<InventoryFileEdit> { HostsFileEdit(siteDirectory, hostsFile, document, document with { Groups = updated }) };
        if (!stays && Validation.HostIdentityRule.IsHostLabel(host) && File.Exists(Path.Combine(siteDirectory, HostVarsPath(host))))
            files.Add(new InventoryFileEdit(HostVarsPath(host), File.ReadAllText(Path.Combine(siteDirectory, HostVarsPath(host))), null));
        return new InventoryEdit(siteDirectory, files);
    }

    /// <summary>The host's own variables from host_vars/NAME.yml (what `--like` copies), without ansible_host.</summary>
    public static IReadOnlyDictionary<string, InventoryValue> HostVarsOf(string siteDirectory, string host)
    {
        if (!Validation.HostIdentityRule.IsHostLabel(host)) throw new InventoryEditException($"'{host}' is not a host name.");
        var path = Path.Combine(siteDirectory, HostVarsPath(host));
        if (!File.Exists(path))
            throw new InventoryEditException($"{path} does not exist, so there is nothing to copy from {host}. Fix: name a host whose variables are in host_vars/HOST.yml.");
        var loaded = YamlFileLoader.Load(File.ReadAllText(path), path);
        if (loaded is not InventoryMapping mapping) throw new InventoryEditException($"{path} is not a mapping of variable names to values.");
        return mapping.Entries.Where(e => e.Key != Model.SiteKeys.Address).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    /// <summary>Writes every file (atomically, the mode of the file it replaces or 0644); a removed file is deleted.</summary>
    public void Write()
    {
        foreach (var file in Files)
        {
            var full = Path.Combine(Directory, file.RelativePath);
            if (file.After is null) File.Delete(full);
            else
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                IO.AtomicFile.Write(full, file.After);
            }
        }
    }

    /// <summary>Every file as it was before <see cref="Write"/>.</summary>
    public void Undo()
    {
        foreach (var file in Files)
        {
            var full = Path.Combine(Directory, file.RelativePath);
            if (file.Before is null) File.Delete(full);
            else IO.AtomicFile.Write(full, file.Before);
        }
    }

    /// <summary>A unified diff of every file the edit changes.</summary>
    public string Diff() => string.Concat(Files.Select(f =>
        Engine.Resources.UnifiedDiff.Of(f.Before ?? "", f.After ?? "", f.Before is null ? "/dev/null" : "a/" + f.RelativePath, f.After is null ? "/dev/null" : "b/" + f.RelativePath)));

    private static string HostVarsPath(string host) => Path.Combine("host_vars", host + ".yml");

    /// <summary>
    /// The inventory's groups as the writer's document: 'all' first (its ungrouped hosts and top-level children), then
    /// every other group in the order the file declares it. Vars files are not needed for the structure, so a
    /// vault-encrypted one reads as empty here.
    /// </summary>
    private static (AnsibleInventory Inventory, InventoryDocument Document, string HostsFile) ReadStructure(string siteDirectory)
    {
        AnsibleInventory inventory;
        try { inventory = AnsibleInventoryReader.Read(siteDirectory, (_, _) => ""); }
        catch (InventoryException e) { throw new InventoryEditException($"the site's inventory does not read: {e.Message}"); }
        var all = inventory.FindGroup("all")!;
        var ungrouped = inventory.FindGroup("ungrouped");
        var groups = new List<InventoryGroupDefinition>
        {
            new("all") { Children = all.Children.Where(c => c != "ungrouped").ToList(), Hosts = ungrouped?.Hosts ?? [] },
        };
        groups.AddRange(inventory.Groups.Where(g => g.Name is not ("all" or "ungrouped"))
            .Select(g => new InventoryGroupDefinition(g.Name) { Children = g.Children, Hosts = g.Hosts }));
        return (inventory, new InventoryDocument { Groups = groups }, inventory.Path);
    }

    /// <summary>A group added at the end is a top-level child of 'all'.</summary>
    private static List<InventoryGroupDefinition> WithAll(List<InventoryGroupDefinition> groups)
    {
        var children = groups.SelectMany(g => g.Children).ToHashSet(StringComparer.Ordinal);
        var all = groups[0];
        var topLevel = groups.Skip(1).Where(g => !children.Contains(g.Name) && !all.Children.Contains(g.Name, StringComparer.Ordinal)).Select(g => g.Name);
        groups[0] = all with { Children = [.. all.Children, .. topLevel] };
        return groups;
    }

    /// <summary>hosts.yml rewritten, refused unless the current file is exactly what the writer makes of its groups.</summary>
    private static InventoryFileEdit HostsFileEdit(string siteDirectory, string hostsFile, InventoryDocument original, InventoryDocument updated)
    {
        var current = File.ReadAllText(hostsFile);
        var relative = Path.GetRelativePath(siteDirectory, hostsFile);
        if (AnsibleInventoryWriter.RenderHostsFile(original) != current)
            throw new InventoryEditException($"{hostsFile} is not laid out the way datalyptica writes it (comments, inline variables, " +
                "ranges or a different order would be lost if it were rewritten), so it was left as it is. " +
                "Fix: make the change by hand (list the host under each of its groups, its variables in host_vars/HOST.yml), then datalyptica validate and apply.");
        return new InventoryFileEdit(relative, current, AnsibleInventoryWriter.RenderHostsFile(updated));
    }
}
