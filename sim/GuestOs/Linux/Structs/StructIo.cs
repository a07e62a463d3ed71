namespace HvSim.GuestOs.Linux.Structs;

// Shared guard for the serialisers: a span shorter than the struct is a simulator bug (the
// caller translates guest buffers and reports EFAULT itself), so it is an exception.
internal static class StructIo
{
    public static void RequireLength(int length, int size, string structName)
    {
        if (length < size)
        {
            throw new ArgumentException($"{structName} needs {size} bytes, the span has {length}");
        }
    }
}
