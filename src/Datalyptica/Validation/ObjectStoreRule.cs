using Datalyptica.Components;
using System.Text.RegularExpressions;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Iceberg, Flink checkpoints, Loki, MLflow and PostgreSQL backups need the external S3-compatible object store.</summary>
public sealed partial class ObjectStoreRule : IValidationRule
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex RegionName();

    /// <summary>
    /// http(s)://HOST[:PORT][/]: the endpoint lands in pgbackrest.conf, spark-defaults.conf and environment files, so it
    /// may hold nothing but a scheme, a DNS name or IP address, and a port (the pattern leaves no room for a user, path,
    /// query or fragment; Uri checks the port and the host's form).
    /// </summary>
    public static bool IsEndpoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri) && EndpointText().IsMatch(text) && SettingPatterns.IsHostName(uri.IdnHost.Trim('[', ']'));

    [GeneratedRegex(@"^https?://[A-Za-z0-9.:\[\]-]+/?$")]
    private static partial Regex EndpointText();

    public IEnumerable<Diagnostic> Check(Site site)
    {
        var needing = site.Components.Where(c => c.NeedsObjectStore is not null).ToList();
        var store = site.ObjectStore;
        if (store is null)
        {
            if (needing.Count > 0)
                yield return new Diagnostic(FindingCodes.ObjectStoreMissing,
                    "the site has no object store, but " + string.Join("; ", needing.Select(c => $"{c.DisplayName}: {c.NeedsObjectStore}")) + ".",
                    $"add {SiteKeys.ObjectStore} to group_vars/all with endpoint, region, buckets (warehouse, staging, backups, ml, logs), access_key and secret_key.",
                    site.Source, SiteKeys.ObjectStore);
            yield break;
        }
        var key = SiteKeys.ObjectStore;
        if (!IsEndpoint(store.Endpoint, out var uri))
            yield return new Diagnostic(FindingCodes.ObjectStoreEndpointNotUrl, $"object store endpoint '{store.Endpoint}' is not an http(s) URL of a host and port only.",
                "set endpoint to the S3 API URL, scheme, host and optional port, e.g. https://s3.example.com or https://10.0.0.5:9000 (no path, user or query).", store.Source, $"{key}.endpoint");
        else if (uri.Scheme == "http")
            yield return new Diagnostic(FindingCodes.ObjectStorePlainHttp, $"object store endpoint '{store.Endpoint}' is plain HTTP: credentials and data cross the network unencrypted.",
                "use the store's https endpoint.", store.Source, $"{key}.endpoint");
        if (!RegionName().IsMatch(store.Region))
            yield return new Diagnostic(FindingCodes.ObjectStoreRegionInvalid, $"object store region '{store.Region}' is not a region name (lower-case letters, digits and '-').",
                "set region to the store's region, e.g. us-east-1 (most S3-compatible stores accept any, such as us-east-1).", store.Source, $"{key}.region");
        foreach (var purpose in ObjectStore.AllBucketPurposes)
        {
            if (!store.Buckets.TryGetValue(purpose, out var bucket))
            {
                if (!ObjectStore.BucketPurposes.Contains(purpose)) continue; // optional: said below where it matters
                yield return new Diagnostic(FindingCodes.ObjectStoreBucketMissing, $"object store has no '{purpose}' bucket.",
                    $"add buckets.{purpose} under {key}.", store.Source, $"{key}.buckets.{purpose}");
            }
            else if (!SettingPatterns.BucketName.IsMatch(bucket))
                yield return new Diagnostic(FindingCodes.ObjectStoreBucketInvalid, $"bucket name '{bucket}' ({purpose}) is not a valid S3 bucket name.",
                    "use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.", store.Source, $"{key}.buckets.{purpose}");
        }
        if (site.Deploys(ComponentCatalog.Get("postgresql")) && !store.Buckets.ContainsKey(ObjectStore.ArchivePurpose))
            yield return new Diagnostic(FindingCodes.ObjectStoreNoArchiveBucket,
                "PostgreSQL's backups are kept only as long as pgbackrest_retention_full says; the object store names no archive bucket for the monthly compliance copy kept for a year.",
                $"add buckets.{ObjectStore.ArchivePurpose} under {key} (a bucket of its own; pgBackRest's second repository, docs/RUNBOOK.md).", store.Source, $"{key}.buckets");
    }
}
