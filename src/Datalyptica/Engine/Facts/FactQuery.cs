namespace Datalyptica.Engine.Facts;

/// <summary>What the resources of one host want to know; <see cref="FactScript"/> turns it into one shell script.</summary>
public sealed class FactQuery
{
    private readonly SortedSet<string> _packages = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _files = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _directories = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _links = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _units = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _sysctl = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _guards = new(StringComparer.Ordinal);

    /// <summary>Report the host's ownership records (what apply put there, for deletions).</summary>
    public bool OwnershipRecords { get; private set; }
    public IEnumerable<string> Packages => _packages;
    public IEnumerable<string> Files => _files;
    public IEnumerable<string> Directories => _directories;
    public IEnumerable<string> Links => _links;
    public IEnumerable<string> Units => _units;
    public IEnumerable<string> SysctlKeys => _sysctl;
    /// <summary>Read-only guard commands by id; their exit codes come back as facts.</summary>
    public IEnumerable<KeyValuePair<string, string>> Guards => _guards;

    public FactQuery Package(string name) { _packages.Add(name); return this; }
    public FactQuery File(string path) { _files.Add(path); return this; }
    public FactQuery Directory(string path) { _directories.Add(path); return this; }
    public FactQuery Link(string path) { _links.Add(path); return this; }
    public FactQuery Unit(string name) { _units.Add(name); return this; }
    public FactQuery Sysctl(string key) { _sysctl.Add(key); return this; }
    public FactQuery Ownership() { OwnershipRecords = true; return this; }
    public FactQuery Guard(string id, string command) { _guards[id] = command; return this; }
}
