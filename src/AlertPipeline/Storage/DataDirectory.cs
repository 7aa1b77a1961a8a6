using System.Runtime.InteropServices;

namespace AlertPipeline.Storage;

/// <summary>
/// Keeps the data directory private to the account that runs AlertPipeline: folders 0700, files 0600. It holds
/// pupils' text and screens, staff notes and the audit log; on a shared server no other local account may read it.
/// </summary>
internal static class DataDirectory
{
    public const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates the directory (0700) if needed, takes group and other access away from everything already in it
    /// (data written by an earlier version), and sets the process's umask to 077 so every file created from now on
    /// (SQLite's WAL and shared-memory files, logs, data-protection keys, outbox files) is private from the start.
    /// </summary>
    public static void Secure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        RestrictNewFiles();
        Directory.CreateDirectory(path, PrivateFolder);
        Tighten(path);
        foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
        {
            Tighten(entry);
        }
    }

    /// <summary>Sets umask 077 (idempotent). The umask is per process, which is what is wanted here.</summary>
    public static void RestrictNewFiles()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0x3F); // 077 octal: no bits for group or other
        }
    }

    /// <summary>Creates a folder (and its parents) that only this account can enter.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateFolder);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                File.SetUnixFileMode(path, mode & ~GroupOrOther);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file another account owns, or one removed while we walked: left as it is; the folder's 0700 still shuts others out.
        }
    }

    // DllImport rather than LibraryImport: a uint in and out needs no marshalling code, and LibraryImport would
    // need unsafe blocks allowed for the whole project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
#pragma warning restore SYSLIB1054
}
