using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Datalyptica.IO;

/// <summary>The kind of a file system entry, from its mode bits (S_IFMT, inode(7)).</summary>
public enum UnixFileKind { Regular, Directory, SymbolicLink, Other }

/// <summary>What lstat/fstat say about a file: kind, owner, permission bits, size and identity (device, inode).</summary>
public sealed record UnixFileStatus(UnixFileKind Kind, uint OwnerId, UnixFileMode Mode, long Size, ulong Device, ulong Inode);

/// <summary>
/// The few POSIX calls .NET does not expose: lstat/fstat with owner (statx(2), whose layout is the same on every Linux
/// architecture), realpath(3) and geteuid(2). Used to treat a site folder as untrusted input (docs/SECURITY.md).
/// </summary>
public static class UnixFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => geteuid();

    /// <summary>lstat(2): the entry itself, a symbolic link is not followed. Null when it does not exist.</summary>
    public static UnixFileStatus? LinkStatus(string path) => Status(AtFdCwd, path, AtSymlinkNoFollow);

    /// <summary>stat(2): symbolic links followed. Null when it (or a link's target) does not exist.</summary>
    public static UnixFileStatus? FollowStatus(string path) => Status(AtFdCwd, path, 0);

    /// <summary>fstat(2) of an open file: what was actually opened, whatever the path names now.</summary>
    public static UnixFileStatus HandleStatus(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Status((int)handle.DangerousGetHandle(), "", AtEmptyPath)
                ?? throw new IOException("fstat of an open file failed");
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>realpath(3): the absolute path with every symbolic link and '..' resolved; null when a part does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    /// <summary>True when <paramref name="path"/> (both real paths) is <paramref name="folder"/> or lies under it.</summary>
    public static bool IsInside(string path, string folder) =>
        path == folder || path.StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static UnixFileStatus? Status(int dirFd, string path, int flags)
    {
        if (!OperatingSystem.IsLinux()) return ManagedStatus(path, flags);
        var raw = new byte[256];
        if (statx(dirFd, path, flags, StatxBasicStats, raw) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
            throw new IOException($"cannot stat {path}: errno {errno}");
        }
        ReadOnlySpan<byte> buffer = raw;
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => UnixFileKind.Regular,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.SymbolicLink,
            _ => UnixFileKind.Other,
        };
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]);
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(buffer[40..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return new UnixFileStatus(kind, uid, (UnixFileMode)(mode & 0xFFF), size, device, inode);
    }

    /// <summary>Outside Linux (development machines): what .NET can tell, the owner taken as this user.</summary>
    private static UnixFileStatus? ManagedStatus(string path, int flags)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget is not null && (flags & AtSymlinkNoFollow) != 0)
            return new UnixFileStatus(UnixFileKind.SymbolicLink, EffectiveUserId, 0, 0, 0, 0);
        if (info is FileInfo { Exists: true } f)
            return new UnixFileStatus(UnixFileKind.Regular, EffectiveUserId, OperatingSystem.IsWindows() ? 0 : f.UnixFileMode, f.Length, 0, 0);
        return info.Exists ? new UnixFileStatus(UnixFileKind.Directory, EffectiveUserId, 0, 0, 0, 0) : null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirFd, string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc")]
    private static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    private static uint geteuid() => OperatingSystem.IsWindows() ? 0 : GetEuid();
}
