using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Datalyptica.Lab;
using Datalyptica.Lab.ObjectStore;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Lab.ObjectStore;

/// <summary>
/// What the patch changes, over the S3 wire protocol on 127.0.0.1: a ListObjects with delimiter=/ on a prefix whose
/// only children are sub-prefixes (pgBackRest's archive/STANZA/ holding only 15-1/). Unpatched s3rver 3.7.1 returns
/// no common prefix there, which is how pgBackRest's expire came to delete nothing.
/// </summary>
public sealed class S3rverListingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dl-s3list-").FullName;
    private readonly List<LabObjectStore> _stores = [];

    [Fact]
    public async Task Delimiter_listing_names_prefixes_that_hold_only_sub_prefixes_only_when_patched()
    {
        var cached = LabObjectStoreOptions.ForLab(new LabOptions()).InstallDirectory;
        var patched = await StartAsync("patched", cached, applyPatch: true);

        // An unpatched copy of the same install, beside it.
        var unpatchedInstall = Path.Combine(_root, "unpatched-install");
        Tool.Run("cp", ["-a", cached, unpatchedInstall]).ExitCode.ShouldBe(0);
        var unpatchedPackage = Path.Combine(unpatchedInstall, "node_modules", "s3rver");
        File.WriteAllText(Path.Combine(_root, "fix.patch"), LabObjectStore.PatchText());
        var reverse = Tool.Run("patch", ["-p1", "-R", "--batch", "-d", unpatchedPackage, "-i", Path.Combine(_root, "fix.patch")]);
        reverse.ExitCode.ShouldBe(0, reverse.Output);
        LabObjectStore.IsPatched(unpatchedPackage).ShouldBeFalse();
        var unpatched = await StartAsync("unpatched", unpatchedInstall, applyPatch: false);

        foreach (var store in new[] { patched, unpatched })
        {
            using var http = Client(store);
            // Any signature passes: s3rver checks only that the key id is S3RVER (SigV4 is unimplemented).
            var put = await http.SendAsync(Signed(HttpMethod.Put, store, "/lab-backups/pgbackrest/archive/st/15-1/000000010000000000000001", "wal"));
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        (await CommonPrefixesAsync(patched)).ShouldBe(["pgbackrest/archive/st/"]);
        (await CommonPrefixesAsync(unpatched)).ShouldBeEmpty("upstream s3rver 3.7.1 omits it: the bug the patch fixes");
    }

    private static async Task<List<string>> CommonPrefixesAsync(LabObjectStore store)
    {
        using var http = Client(store);
        var list = await http.SendAsync(Signed(HttpMethod.Get, store, "/lab-backups?list-type=2&prefix=pgbackrest%2Farchive%2F&delimiter=%2F"));
        var xml = await list.Content.ReadAsStringAsync();
        list.StatusCode.ShouldBe(HttpStatusCode.OK, xml);
        return Regex.Matches(xml, "<CommonPrefixes><Prefix>([^<]*)</Prefix></CommonPrefixes>").Select(m => m.Groups[1].Value).ToList();
    }

    private static HttpRequestMessage Signed(HttpMethod method, LabObjectStore store, string path, string? body = null)
    {
        var request = new HttpRequestMessage(method, $"https://{store.Options.Address}:{store.Options.Port}{path}");
        var now = DateTime.UtcNow;
        request.Headers.TryAddWithoutValidation("x-amz-date", now.ToString("yyyyMMdd'T'HHmmss'Z'"));
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={LabObjectStoreOptions.AccessKeyId}/{now:yyyyMMdd}/{LabObjectStoreOptions.Region}/s3/aws4_request, " +
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + new string('0', 64));
        if (body is not null) request.Content = new StringContent(body);
        return request;
    }

    /// <summary>Trusts only the lab CA, and checks the certificate names the store's DNS name.</summary>
    private static HttpClient Client(LabObjectStore store)
    {
        var ca = X509Certificate2.CreateFromPem(store.CaCertificatePem());
        return new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert) && cert.MatchesHostname(LabObjectStoreOptions.DnsName);
            },
        }) { Timeout = TimeSpan.FromSeconds(20) };
    }

    private async Task<LabObjectStore> StartAsync(string name, string install, bool applyPatch)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var store = new LabObjectStore(new LabObjectStoreOptions
        {
            InstallDirectory = install, StateDirectory = Path.Combine(_root, name), Address = "127.0.0.1", Port = port, ApplyPatch = applyPatch,
        });
        _stores.Add(store);
        await store.StartAsync(CancellationToken.None);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _stores) store.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
