using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Tests.Engine.Repository;

/// <summary>The static file server against real sockets on loopback: status codes, lengths, traversal, binding.</summary>
public sealed class RepositoryServerTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dl-repo-srv-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "dl-repo-out-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ConcurrentQueue<string> _log = new();
    private RepositoryServer _server = null!;
    private readonly byte[] _big = new byte[3_000_000];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "pool"));
        Directory.CreateDirectory(Path.Combine(_root, ".apt"));
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_root, "Release"), "Origin: test\n");
        File.WriteAllText(Path.Combine(_root, ".apt", "status"), "hidden");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside the root");
        Random.Shared.NextBytes(_big);
        File.WriteAllBytes(Path.Combine(_root, "pool", "big_1.0_amd64.deb"), _big);
        File.WriteAllText(Path.Combine(_root, "pool", "zlib1g_1%3a1.2_amd64.deb"), "epoch");
        File.CreateSymbolicLink(Path.Combine(_root, "pool", "escape.deb"), Path.Combine(_outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linkdir"), _outside);
        _server = RepositoryServer.Start(_root, new IPEndPoint(IPAddress.Loopback, 0), _log.Enqueue);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private HttpClient Client() => new() { BaseAddress = new Uri(_server.BaseUrl), Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>Sends bytes as they are (HttpClient would normalise "/../" away before the server saw it).</summary>
    private async Task<string> RawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.Endpoint).WaitAsync(TimeSpan.FromSeconds(5));
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static string StatusOf(string response) => response.Split("\r\n")[0];

    [Fact]
    public async Task Get_serves_the_exact_bytes_with_a_correct_content_length()
    {
        using var http = Client();
        using var response = await http.GetAsync("pool/big_1.0_amd64.deb");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentLength.ShouldBe(_big.Length);
        (await response.Content.ReadAsByteArrayAsync()).SequenceEqual(_big).ShouldBeTrue();
        _log.ShouldContain(l => l.Contains("\"GET /pool/big_1.0_amd64.deb\" 200 3000000"));
    }

    [Fact]
    public async Task Head_gives_the_length_and_no_body()
    {
        var response = await RawAsync("HEAD /pool/big_1.0_amd64.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        StatusOf(response).ShouldBe("HTTP/1.1 200 OK");
        response.ShouldContain("Content-Length: 3000000\r\n");
        response.Split("\r\n\r\n", 2)[1].ShouldBeEmpty();
    }

    [Fact]
    public async Task Missing_files_folders_and_the_root_are_404()
    {
        using var http = Client();
        (await http.GetAsync("pool/nope.deb")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync("pool/")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Apt_style_dot_segments_and_an_encoded_epoch_name_are_served()
    {
        StatusOf(await RawAsync("GET /./Release HTTP/1.1\r\nConnection: close\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK");
        // apt asks for a file named "zlib1g_1%3a1.2_amd64.deb" as ".../zlib1g_1%253a1.2_amd64.deb": decoded once.
        StatusOf(await RawAsync("GET /pool/zlib1g_1%253a1.2_amd64.deb HTTP/1.1\r\nConnection: close\r\n\r\n")).ShouldBe("HTTP/1.1 200 OK");
    }

    [Theory]
    [InlineData("/../etc/passwd")]
    [InlineData("/pool/../../etc/passwd")]
    [InlineData("/%2e%2e/etc/passwd")]
    [InlineData("/%2E%2E/%2E%2E/etc/passwd")]
    [InlineData("/pool/..%2f..%2fetc%2fpasswd")]
    [InlineData("/..%5c..%5cetc%5cpasswd")]
    [InlineData("/%252e%252e/etc/passwd")]
    [InlineData("//etc/passwd")]
    [InlineData("/etc/passwd%00.deb")]
    [InlineData("http://127.0.0.1/etc/passwd")]
    [InlineData("/.apt/status")]
    [InlineData("/%2eapt/status")]
    [InlineData("/pool/escape.deb")]
    [InlineData("/linkdir/secret.txt")]
    public async Task Traversal_hidden_files_and_links_out_of_the_root_are_refused(string target)
    {
        var response = await RawAsync($"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        StatusOf(response).ShouldBe("HTTP/1.1 404 Not Found");
        response.ShouldNotContain("root:");
        response.ShouldNotContain("outside the root");
        response.ShouldNotContain("hidden");
    }

    [Fact]
    public async Task Pipelined_requests_on_one_connection_are_answered_in_order()
    {
        var response = await RawAsync(
            "GET /Release HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD /Release HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var statuses = response.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("HTTP/1.1 ")).ToList();
        statuses.ShouldBe(["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"]);
        response.ShouldContain("Origin: test\n");
    }

    [Fact]
    public async Task Other_methods_and_malformed_requests_are_refused()
    {
        StatusOf(await RawAsync("POST /Release HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).ShouldBe("HTTP/1.1 405 Method Not Allowed");
        StatusOf(await RawAsync("GARBAGE\r\n\r\n")).ShouldBe("HTTP/1.1 400 Bad Request");
        StatusOf(await RawAsync("GET /" + new string('a', 20_000) + " HTTP/1.1\r\n\r\n")).ShouldBe("HTTP/1.1 400 Bad Request");
    }

    [Fact]
    public async Task Concurrent_requests_all_get_complete_files()
    {
        using var http = Client();
        var downloads = Enumerable.Range(0, 24).Select(async _ => await http.GetByteArrayAsync("pool/big_1.0_amd64.deb"));
        var bodies = await Task.WhenAll(downloads).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var b in bodies) b.SequenceEqual(_big).ShouldBeTrue();
    }

    [Fact]
    public async Task It_binds_only_the_given_address()
    {
        // The whole of 127/8 reaches this machine: a server bound to every address would answer on 127.0.0.2.
        using var other = new TcpClient();
        var refused = await Should.ThrowAsync<SocketException>(() => other.ConnectAsync(IPAddress.Parse("127.0.0.2"), _server.Endpoint.Port).WaitAsync(TimeSpan.FromSeconds(5)));
        refused.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
        _server.Endpoint.Address.ShouldBe(IPAddress.Loopback);
    }

    [Fact]
    public void Wildcard_addresses_a_missing_folder_and_a_taken_port_are_refused_clearly()
    {
        Should.Throw<ArgumentException>(() => RepositoryServer.Start(_root, new IPEndPoint(IPAddress.Any, 0)))
            .Message.ShouldContain("every interface");
        Should.Throw<DirectoryNotFoundException>(() => RepositoryServer.Start(_root + "-missing", new IPEndPoint(IPAddress.Loopback, 0)))
            .Message.ShouldContain("repo build");
        Should.Throw<InvalidOperationException>(() => RepositoryServer.Start(_root, _server.Endpoint))
            .Message.ShouldContain($"cannot listen on 127.0.0.1:{_server.Endpoint.Port}");
    }

    [Theory]
    [InlineData("10.77.0.1:8080", "10.77.0.1", 8080)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("[::1]:9000", "::1", 9000)]
    public void Endpoints_parse(string text, string address, int port)
    {
        var endpoint = Endpoints.Parse(text);
        endpoint.Address.ShouldBe(IPAddress.Parse(address));
        endpoint.Port.ShouldBe(port);
    }

    [Theory]
    [InlineData("10.77.0.1")]
    [InlineData("::1:9000")]
    [InlineData("host.example:80")]
    [InlineData("10.0.0.1:70000")]
    public void Bad_endpoints_say_how_to_write_one(string text) =>
        Should.Throw<ArgumentException>(() => Endpoints.Parse(text)).Message.ShouldContain("ADDR:PORT");

    [Fact]
    public async Task Stopping_closes_the_port()
    {
        var server = RepositoryServer.Start(_root, new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = server.Endpoint;
        await server.DisposeAsync();
        using var tcp = new TcpClient();
        await Should.ThrowAsync<SocketException>(() => tcp.ConnectAsync(endpoint).WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
