using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Datalyptica.Cli.Daemon;

/// <summary>
/// The two kernel questions the daemon asks (issue 13): who owns a path, without following a link (statx(2) with
/// AT_SYMLINK_NOFOLLOW; its struct has one layout on every architecture), and which user is at the other end of a Unix
/// socket (SO_PEERCRED, unix(7): struct ucred { pid, uid, gid }, filled by the kernel at connect time).
/// </summary>
internal static class UnixPeer
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxBasicStats = 0x7ff;
    private const int SolSocket = 1, SoPeerCred = 17;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc")]
    private static extern uint geteuid();

    public static uint EffectiveUid => geteuid();

    /// <summary>The owner uid, mode bits and whether the path itself is a link (never followed); null when it cannot be read.</summary>
    public static (uint Uid, uint Mode, bool IsLink, bool IsDirectory)? Lstat(string path)
    {
        var buffer = new byte[256];
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        if (statx(AtFdCwd, name, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0) return null;
        // struct statx: stx_mask u32 @0, stx_blksize u32 @4, stx_attributes u64 @8, stx_nlink u32 @16, stx_uid u32 @20,
        // stx_gid u32 @24, stx_mode u16 @28 (linux/stat.h).
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20));
        var mode = (uint)BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        const uint TypeMask = 0xF000, Link = 0xA000, Directory = 0x4000;
        return (uid, mode & 0xFFF, (mode & TypeMask) == Link, (mode & TypeMask) == Directory);
    }

    /// <summary>The uid of the process at the other end of <paramref name="socket"/>.</summary>
    public static uint PeerUid(Socket socket)
    {
        var credentials = new byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        return BinaryPrimitives.ReadUInt32LittleEndian(credentials.AsSpan(4));
    }
}
