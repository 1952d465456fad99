using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Datalyptica.Contracts;

namespace Datalyptica.Tests.Engine.Artifacts;

/// <summary>Release files and upstream checksum files the tests build: a real tar.gz, and each checksum format upstream writes.</summary>
internal static class ArtifactTestKit
{
    /// <summary>A gzip'd tarball holding TOP/bin/PROGRAM (a shell script), like an upstream release.</summary>
    public static byte[] TarGz(string top, string program = "bin/start.sh")
    {
        var source = Path.Combine(Path.GetTempPath(), "dl-tgz-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var file = Path.Combine(source, top, program);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, $"#!/bin/sh\necho {top} {Guid.NewGuid():N}\n");
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                TarFile.CreateFromDirectory(source, gzip, includeBaseDirectory: false);
            return output.ToArray();
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    public static string Hex(byte[] content, ChecksumAlgorithm algorithm) => Convert.ToHexStringLower(algorithm switch
    {
        ChecksumAlgorithm.Sha1 => SHA1.HashData(content),
        ChecksumAlgorithm.Sha256 => SHA256.HashData(content),
        _ => SHA512.HashData(content),
    });

    /// <summary>The checksum file upstream would publish for <paramref name="content"/> named <paramref name="fileName"/>, in <paramref name="format"/>.</summary>
    public static string ChecksumFile(byte[] content, string fileName, ArtifactChecksum checksum)
    {
        var hex = Hex(content, checksum.Algorithm);
        switch (checksum.Format)
        {
            case ChecksumFormat.Bare:
                return hex + "\n";
            case ChecksumFormat.Sums:
                // Like a release's SHA256SUMS: other files listed around it.
                return $"{new string('0', hex.Length)}  other-file.tar.gz\n{hex}  {fileName}\n{new string('1', hex.Length)}  {fileName}.asc\n";
            default:
                // gpg --print-md SHA512: "NAME: " then upper-case groups of 8, wrapped and indented under the first.
                var groups = Enumerable.Range(0, hex.Length / 8).Select(i => hex.Substring(i * 8, 8).ToUpperInvariant()).ToList();
                var sb = new StringBuilder($"{fileName}: ");
                for (var i = 0; i < groups.Count; i++)
                {
                    if (i > 0) sb.Append(i % 6 == 0 ? "\n" + new string(' ', fileName.Length + 2) : " ");
                    sb.Append(groups[i]);
                }
                return sb.Append('\n').ToString();
        }
    }
}
