using HvSim.GuestOs.Files;

namespace HvSim.Tests.GuestOsTests;

/// <summary>
/// A temporary tree for the mount tests: "inside" (mounted read-write at /data), "ro" (mounted
/// read-only at /ro) and, next to them, "outside" with a secret no guest may read. Inside are
/// in.txt, an empty directory sub/, and symbolic links to the secret and to the outside directory.
/// </summary>
internal sealed class MountFixture : IDisposable
{
    public const string Secret = "the host's secret\n";
    public const string Input = "hello, mounted world\n";

    public MountFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), $"hvsim-mount-{Guid.NewGuid():N}");
        Inside = Path.Combine(Root, "inside");
        ReadOnly = Path.Combine(Root, "ro");
        Outside = Path.Combine(Root, "outside");
        Directory.CreateDirectory(Path.Combine(Inside, "sub"));
        Directory.CreateDirectory(ReadOnly);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret"), Secret);
        File.WriteAllText(Path.Combine(Inside, "in.txt"), Input);
        File.WriteAllText(Path.Combine(ReadOnly, "keep.txt"), Input);
        File.CreateSymbolicLink(Path.Combine(Inside, "secret-link"), Path.Combine(Outside, "secret"));
        File.CreateSymbolicLink(Path.Combine(Inside, "relative-link"), "../outside/secret");
        Directory.CreateSymbolicLink(Path.Combine(Inside, "outside-dir"), Outside);
    }

    public string Root { get; }
    public string Inside { get; }
    public string ReadOnly { get; }
    public string Outside { get; }

    public MountPoint Data => new(Inside, "/data", ReadOnly: false);
    public MountPoint Ro => new(ReadOnly, "/ro", ReadOnly: true);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
