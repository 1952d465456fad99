using Datalyptica.Contracts.Hosts;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// How apply puts a file on a host as root: ONE command that reads the content on its standard input (never argv, never
/// a file anyone else can open) and places it with owner and mode set before a byte of content is written, never
/// following a symbolic link. Issue 13 ("On the hosts"): the old <c>cat &gt; DIR/.NAME.datalyptica-new</c> under umask
/// 022, then chown/chmod in a later command, left secrets world-readable for a moment (and for good when that command
/// failed), and root followed a link a service user planted in a folder it can write (Debian's <c>/etc/redis</c> is
/// group-writable by redis).
/// </summary>
/// <remarks>
/// The script is Perl because perl-base is Essential in Debian (present on every host, even debootstrap's minbase:
/// https://www.debian.org/doc/debian-policy/ch-binary.html#essential-packages) and it reaches the system calls that
/// make this safe, which coreutils does not: <c>install -m -o -g</c> creates with O_EXCL but then calls
/// <c>fchmodat</c> by name, which follows a link swapped in between (coreutils src/install.c, change_attributes).
/// What it does, in order:
/// <list type="number">
/// <item><c>umask 077</c>; every folder from / to the target's folder is looked at with lstat(2): the target's own folder
/// must be a real folder (not a link) owned by root (or by the file's own owner when that is not root: a service's data
/// folder such as ZooKeeper's, where the file is the service's own), every folder above it owned by root. Anything
/// else is refused with the folder, its owner and the fix.</item>
/// <item>The temp name <c>.NAME.datalyptica-new</c> beside the target is unlinked (unlink(2) removes a link, never its
/// target) and created with <c>O_CREAT|O_EXCL|O_NOFOLLOW</c>, mode 0600 (open(2): with O_EXCL a link at the name makes
/// the open fail, even a dangling one). A link planted again in between makes the write fail; it is never followed.</item>
/// <item><c>fchown</c> and <c>fchmod</c> on the open descriptor (perlfunc chown/chmod accept a handle), THEN the
/// content from stdin is written, then the descriptor closed.</item>
/// <item><c>rename(2)</c> onto the target: atomic for readers, and a link at the target is replaced, not followed
/// ("if newpath refers to a symbolic link, the link will be overwritten"). A folder there makes it fail.</item>
/// <item>On any failure the temp name is unlinked, so nothing is left behind.</item>
/// </list>
/// </remarks>
public static class SafeFileWrite
{
    /// <summary>The Perl program (fixed text in this build: a saved plan names a file and its owner, never the program).</summary>
    public const string Script =
        "use strict; use Fcntl qw(O_WRONLY O_CREAT O_EXCL O_NOFOLLOW); umask 077;" +
        " my ($t, $o, $g, $m) = @ARGV;" +
        " sub fail { print STDERR \"datalyptica: refusing to write $t: $_[0]\\n\"; exit 1 }" +
        " my ($d, $n) = $t =~ m{\\A(.*)/([^/]+)\\z}s or fail('not an absolute file path');" +
        " defined(my $u = getpwnam $o) or fail(\"there is no user $o on this host\");" +
        " defined(my $gi = getgrnam $g) or fail(\"there is no group $g on this host\");" +
        " my $p = ''; my @parts = grep { length } split m{/}, $d;" +
        " for my $i (0 .. $#parts) { $p .= \"/$parts[$i]\"; my @s = lstat $p or fail(\"$p: $!\"); my $last = $i == $#parts;" +
        "  if ($last) { -l _ and fail(\"its folder $p is a symbolic link. Fix: make it a real folder owned by root, then apply again\");" +
        "   -d _ or fail(\"$p is not a folder\") }" +
        "  next if $s[4] == 0 || $s[4] == $> || ($last && $u != 0 && $s[4] == $u);" +
        "  fail(\"the folder $p is owned by uid $s[4], not root, so its owner could redirect what root writes there. Fix: chown root $p, then apply again\") }" +
        " my $tmp = ($d eq '' ? '' : $d) . \"/.$n.datalyptica-new\"; unlink $tmp;" +
        " sysopen(my $fh, $tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600) or fail(\"cannot create $tmp exclusively: $!\");" +
        " my $ok = eval { binmode STDIN; binmode $fh; chown($u, $gi, $fh) or die \"chown $o:$g: $!\\n\"; chmod(oct $m, $fh) or die \"chmod $m: $!\\n\";" +
        "  local $/; my $c = <STDIN>; print {$fh} (defined $c ? $c : '') or die \"write: $!\\n\"; close $fh or die \"close: $!\\n\";" +
        "  rename $tmp, $t or die \"rename onto the target: $!\\n\"; 1 };" +
        " unless ($ok) { unlink $tmp; chomp(my $e = $@); fail($e) }";

    /// <summary>
    /// The command that writes <paramref name="target"/> (already carrying any test root) from its standard input as
    /// <paramref name="owner"/>:<paramref name="group"/> with <paramref name="mode"/> (octal, e.g. "0640"). Every value
    /// goes through <see cref="RemoteCommand.Quote"/>; the content is never part of the command.
    /// </summary>
    public static RemoteCommand Command(string target, string owner, string group, string mode)
    {
        if (!target.StartsWith('/')) throw new ArgumentException($"not an absolute path: {target}", nameof(target));
        if (mode.Length is < 3 or > 4 || !mode.All(c => c is >= '0' and <= '7')) throw new ArgumentException($"not an octal mode: {mode}", nameof(mode));
        return RemoteCommand.Shell("perl -e").Arg(Script).Then(" --").Arg(target).Arg(owner).Arg(group).Arg(mode);
    }

    /// <summary>The temp name beside the target (for tests and for the docs; the script builds the same).</summary>
    public static string TempFor(string target)
    {
        var slash = target.LastIndexOf('/');
        return $"{target[..(slash + 1)]}.{target[(slash + 1)..]}.datalyptica-new";
    }
}
