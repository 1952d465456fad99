using System.Diagnostics;
using Datalyptica.Inventory;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Inventory;

/// <summary>
/// The site folder is untrusted input (issue 13, docs/SECURITY.md): links out of it, special files, non-UTF-8 bytes and
/// resource bombs are refused with their own finding, quickly and without printing what a refused file holds.
/// Time and memory are asserted loosely (a refusal must come; 10 s and 200 MB are far above what it takes).
/// </summary>
[Collection("untrusted-site")] // the bombs measure memory: not beside each other
public sealed class UntrustedSiteTests : IDisposable
{
    private readonly SiteFixture _fixture = new();
    private readonly string _site;

    public UntrustedSiteTests() => _site = _fixture.Init("development", "dev");

    public void Dispose() => _fixture.Dispose();

    private CliResult Validate() => CliRunner.Run("validate", _site, "--vault-password-file", _fixture.PasswordFile);

    private string SitePath(string relative) => Path.Combine(_site, relative);

    [Fact]
    public void A_link_to_a_file_outside_the_site_is_refused_without_printing_a_line_of_it()
    {
        var outside = _fixture.Write("shadow", "root:$6$Sh4dowHashNeverShown$:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
        File.CreateSymbolicLink(SitePath("group_vars/catalog.yml"), outside);

        var result = Validate().ShouldFail();

        result.Err.ShouldContain("error DL561 group_vars/catalog.yml: ");
        result.All.ShouldNotContain("Sh4dowHash");
        result.All.ShouldNotContain("daemon");
        result.All.ShouldNotContain("DL510"); // the old behaviour: every line an unknown variable
    }

    [Fact]
    public void A_linked_folder_outside_the_site_is_refused_before_it_is_listed()
    {
        _fixture.Write("elsewhere/secret-name.yml", "a: 1\n");
        Directory.CreateSymbolicLink(SitePath("group_vars/catalog"), _fixture.PathOf("elsewhere"));

        var result = Validate().ShouldFail();

        result.Err.ShouldContain("error DL561 group_vars/catalog: ");
        result.All.ShouldNotContain("secret-name");
    }

    [Fact]
    public void Links_inside_the_site_are_read_and_a_link_loop_is_read_once()
    {
        var processing = SitePath("group_vars/processing.yml");
        File.Move(processing, SitePath("common-processing.yml"));
        File.CreateSymbolicLink(processing, "../common-processing.yml");
        Directory.CreateDirectory(SitePath("group_vars/catalog"));
        File.WriteAllText(SitePath("group_vars/catalog/tuning.yml"), "kafka_num_partitions: 6\n");
        Directory.CreateSymbolicLink(SitePath("group_vars/catalog/loop"), ".."); // group_vars/catalog/loop -> group_vars

        Validate().ShouldSucceed();
    }

    [Fact]
    public void Latin1_bytes_are_refused_with_the_file_and_byte_offset()
    {
        var file = SitePath("group_vars/all.yml");
        var before = new FileInfo(file).Length;
        File.AppendAllText(file, "# caf\u00e9\n", System.Text.Encoding.Latin1);

        var result = Validate().ShouldFail();

        var lines = File.ReadAllLines(file).Length;
        result.Err.ShouldContain($"error DL563 group_vars/all.yml:{lines}: ");
        result.Err.ShouldContain($"the byte at offset {before + 5} (line {lines})");
    }

    [Fact]
    public void A_fifo_in_the_site_is_refused_instead_of_blocking_the_reader()
    {
        Tool.Run("mkfifo", [SitePath("group_vars/catalog.yml")]).ExitCode.ShouldBe(0);

        var watch = Stopwatch.StartNew();
        Validate().ShouldFail().Err.ShouldContain("error DL562 group_vars/catalog.yml: ");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_file_over_4_MiB_is_refused_before_it_is_read()
    {
        File.WriteAllText(SitePath("group_vars/catalog.yml"), "#" + new string('x', (int)SiteFileReader.MaxFileBytes) + "\n");

        Validate().ShouldFail().Err.ShouldContain($"error DL560 group_vars/catalog.yml: is {SiteFileReader.MaxFileBytes + 2} bytes");
    }

    public static TheoryData<string, string, string> Bombs => new()
    {
        // Nine levels of nine aliases: 9^9 (387 million) strings once expanded.
        { "billion laughs", "group_vars/catalog.yml", string.Concat(Enumerable.Range(0, 9).Select(i => i == 0
            ? "l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
            : $"l{i}: &l{i} [{string.Join(',', Enumerable.Repeat($"*l{i - 1}", 9))}]\n")) },
        { "deep nesting", "group_vars/catalog.yml", "x: " + new string('[', 100_000) + new string(']', 100_000) + "\n" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public void A_yaml_bomb_is_refused_quickly_and_small(string name, string relative, string content)
    {
        File.WriteAllText(SitePath(relative), content);

        var (result, elapsed, allocated) = Measure(Validate);

        result.ShouldFail().Err.ShouldContain($"error DL564 {relative}:", Case.Sensitive, name);
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), name);
        allocated.ShouldBeLessThan(200L * 1024 * 1024, name);
    }

    [Theory]
    [InlineData("kafka[7:99999999]", "DL565")]
    [InlineData("kafka[1:1000][1:1000]", "DL565")] // nested: a million
    [InlineData("kafka[05:01]", "DL566")] // Ansible expands this to nothing
    [InlineData("kafka[f:a]", "DL566")]
    public void A_host_range_bomb_or_a_reversed_range_is_refused_with_the_pattern(string pattern, string code)
    {
        var hosts = SitePath("hosts.yml");
        File.WriteAllText(hosts, File.ReadAllText(hosts).Replace("  children:\n", $"  children:\n    extra:\n      hosts:\n        {pattern}:\n"));

        var (result, elapsed, allocated) = Measure(Validate);

        result.ShouldFail().Err.ShouldContain($"error {code} hosts.yml:");
        result.Err.ShouldContain($"({pattern})"); // the key
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        allocated.ShouldBeLessThan(200L * 1024 * 1024);
    }

    [Fact]
    public void A_range_of_exactly_the_limit_expands()
    {
        using var dir = new TempDir();
        var file = dir.Write("hosts.yml", "all:\n  hosts:\n    k[00001:10000]:\n");

        var inventory = AnsibleInventoryReader.Read(file);

        inventory.Hosts.Count.ShouldBe(AnsibleInventoryReader.MaxHosts);
        inventory.Hosts[^1].Name.ShouldBe("k10000");
        Should.Throw<InventoryException>(() => AnsibleInventoryReader.Read(dir.Write("more.yml", "all:\n  hosts:\n    k[00001:10001]:\n")))
            .Refusal.ShouldBe(InventoryRefusal.TooManyHosts);
    }

    private static (CliResult Result, TimeSpan Elapsed, long Allocated) Measure(Func<CliResult> run)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var result = run();
        return (result, watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }
}

[CollectionDefinition("untrusted-site", DisableParallelization = true)]
public sealed class UntrustedSiteCollection;
