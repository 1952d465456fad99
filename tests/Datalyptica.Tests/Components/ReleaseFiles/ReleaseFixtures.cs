using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Tests.Components.ReleaseFiles;

/// <summary>
/// The release file-list fixtures of this folder (<c>&lt;id&gt;-&lt;version&gt;.txt</c>) and what the plan's paths imply
/// inside an install folder: shared by <see cref="ReleaseFilesTests"/> (layer 1: paths against file lists) and the
/// stand-in archives built from the same lists (tests/Datalyptica.Tests/StandIns, layer 2). docs/STAND-INS.md.
/// </summary>
internal static class ReleaseFixtures
{
    /// <summary>An install-folder path in rendered text: /opt/datalyptica/ID/VERSION-or-current/REL.</summary>
    public static readonly Regex InstallPath = new(@"/opt/datalyptica/(?<id>[a-z0-9_]+)/(?<version>[^/\s""'`:;,=)]+)(?<rel>/[^\s""'`:;,=)]*)?", RegexOptions.Compiled);

    /// <summary>
    /// Runtimes a component installs beside its own release (Trino's JDK), by their install folder's name, with the
    /// version its manifest pins.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Runtimes = ComponentCatalog.All.SelectMany(c => c.Runtimes)
        .GroupBy(r => r.Artifact).ToDictionary(g => g.Key, g => g.First().Version, StringComparer.Ordinal);

    /// <summary>The manifest of <paramref name="artifact"/> at <paramref name="version"/>: how the engine unpacks it.</summary>
    public static ArtifactRelease? Manifest(string artifact, string version) => ComponentCatalog.All
        .SelectMany(c => c.Releases.Concat(c.Runtimes)).FirstOrDefault(r => r.Artifact == artifact && r.Version == version);

    /// <summary>Paths a reference needs besides itself: what the named program or variable reads inside the folder.</summary>
    public static IEnumerable<string> Implied(string content, Match m)
    {
        var index = m.Index;
        bool After(string prefix) => content.AsSpan(0, index).EndsWith(prefix, StringComparison.Ordinal);
        var path = m.Value;
        // JAVA_HOME=X: the launcher scripts run X/bin/java.
        if (After("JAVA_HOME=")) yield return path + "/bin/java";
        // SPARK_HOME=X: spark-class builds its classpath from X/jars.
        if (After("SPARK_HOME=")) yield return path + "/jars";
        // grafana --homepath=X reads X/conf/defaults.ini and serves X/public.
        if (After("--homepath=")) { yield return path + "/conf/defaults.ini"; yield return path + "/public"; }
        // Entry programs and what they read beside themselves (their own scripts).
        foreach (var (program, needs) in EntryPrograms)
            if (path.EndsWith("/" + program, StringComparison.Ordinal))
                foreach (var need in needs) yield return path[..^program.Length] + need;
    }

    /// <summary>
    /// What each entry program we start reads beside itself, from the upstream scripts: kafka-server-start.sh execs
    /// kafka-run-class.sh (classpath libs/*) and, with KAFKA_LOG4J_OPTS unset (ours is), uses ../config/log4j.properties;
    /// kc.sh runs ../lib/quarkus-run.jar with ../conf; launcher runs launcher.py over lib/; spark-class sources
    /// load-spark-env.sh and reads jars/; Flink's daemon scripts source config.sh and put lib/ on the classpath.
    /// </summary>
    public static readonly (string Program, string[] Needs)[] EntryPrograms =
    [
        ("bin/kafka-server-start.sh", ["bin/kafka-run-class.sh", "libs", "config/log4j.properties"]),
        ("bin/kafka-storage.sh", ["bin/kafka-run-class.sh", "libs"]),
        ("bin/schema-registry-start", ["bin/schema-registry-run-class", "share/java/schema-registry"]),
        ("bin/spark-class", ["bin/load-spark-env.sh", "jars"]),
        ("bin/jobmanager.sh", ["bin/config.sh", "bin/flink-daemon.sh", "lib"]),
        ("bin/taskmanager.sh", ["bin/config.sh", "bin/flink-daemon.sh", "lib"]),
        ("bin/launcher", ["bin/launcher.py", "lib"]),
        ("bin/kc.sh", ["lib/quarkus-run.jar", "conf"]),
    ];

    private static string Folder([CallerFilePath] string self = "") => Path.GetDirectoryName(self)!;

    /// <summary>A release's archive entries as a fixture lists them, and what tar -x --strip-components leaves of them.</summary>
    public sealed record Release(string File, string Archive, string Format, int Strip, IReadOnlyList<string> Entries, IReadOnlySet<string> Unpacked, string? UnpackProblem)
    {
        public static string FileName(string id, string version) => $"{id}-{version}.txt";

        /// <summary>The fixture's full path on this machine (the source tree: fixtures are read where they are kept).</summary>
        public static string PathOf(string id, string version) => Path.Combine(Folder(), FileName(id, version));

        public static Release? TryLoad(string id, string version)
        {
            var path = PathOf(id, version);
            if (!System.IO.File.Exists(path)) return null;
            string? archive = null, format = null;
            var entries = new List<string>();
            foreach (var raw in System.IO.File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                if (line.StartsWith("archive:", StringComparison.Ordinal)) archive = line["archive:".Length..].Trim();
                else if (line.StartsWith("format:", StringComparison.Ordinal)) format = line["format:".Length..].Trim();
                else entries.Add(line);
            }
            if (archive is null || format is null) throw new InvalidDataException($"{path}: needs archive: and format: lines");
            // The unpack rule is the engine's own: the release's manifest, as ArtifactResource applies it.
            var manifest = Manifest(id, version);
            var resource = ArtifactResource.For(id, version, null, manifest, null);
            var strip = resource.StripComponents;
            var unpacked = new HashSet<string>(StringComparer.Ordinal);
            void AddWithParents(string relative)
            {
                var parts = relative.Trim('/').Split('/');
                for (var n = 1; n <= parts.Length; n++) unpacked.Add(string.Join('/', parts[..n]));
            }
            string? problem = null;
            if (manifest is null) problem = $"no release manifest for {id} {version}: the engine does not know how to unpack {archive}";
            else if (manifest.FileName != archive) problem = $"the manifest installs {manifest.FileName}, the fixture describes {archive}";
            else if ((resource.Format, format) is (ArchiveFormat.TarGz, "tar"))
                foreach (var entry in entries)
                {
                    var parts = entry.Trim('/').Split('/');
                    // tar drops entries with no more than `strip` components; every parent folder of an entry exists too.
                    for (var n = strip + 1; n <= parts.Length; n++) unpacked.Add(string.Join('/', parts[strip..n]));
                }
            else if ((resource.Format, format) is (ArchiveFormat.Zip, "zip"))
            {
                // unzip -p takes one member and writes it under its install name.
                if (entries.Contains(resource.ZipMember!)) AddWithParents(resource.InstallAs!);
                else problem = $"the zip has no member {resource.ZipMember}";
            }
            else if ((resource.Format, format) is (ArchiveFormat.File, "file"))
                AddWithParents(resource.InstallAs!);
            else problem = $"the manifest unpacks it as {resource.Format}, the release is a {format} ({archive})";
            return new Release(FileName(id, version), archive, format, strip, entries, unpacked, problem);
        }
    }
}
