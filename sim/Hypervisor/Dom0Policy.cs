namespace HvSim.Hypervisor;

/// <summary>
/// The Dom0 policy module: the administrator's domain decides which applications may use the
/// user-to-hypervisor interface and hands each a token. The hypervisor accepts a registration
/// only with a token issued here. Tokens are deterministic for a seed.
/// </summary>
public sealed class Dom0Policy
{
    private readonly Dictionary<ulong, string> _tokens = new();
    private readonly Dictionary<ulong, ulong> _modes = new();
    private ulong _state;

    public Dom0Policy(ulong seed)
    {
        _state = seed ^ 0x484F_5354_444F_4D30UL; // "HOSTDOM0"
    }

    /// <summary>
    /// Allows an application and returns its token. With <paramref name="mode"/> (a Register mode:
    /// the technique the administrator granted) the token registers in that mode only.
    /// </summary>
    public ulong Allow(string application, ulong? mode = null)
    {
        ulong token;
        do
        {
            token = Next();
        }
        while (token == 0 || _tokens.ContainsKey(token));
        _tokens.Add(token, application);
        if (mode is ulong granted)
        {
            _modes.Add(token, granted);
        }
        return token;
    }

    /// <summary>Withdraws a token: later registrations with it fail.</summary>
    public void Revoke(ulong token)
    {
        _tokens.Remove(token);
        _modes.Remove(token);
    }

    /// <summary>Whether the token may register in <paramref name="mode"/>: its granted mode, or any when none was granted.</summary>
    public bool Permits(ulong token, ulong mode) => !_modes.TryGetValue(token, out ulong granted) || granted == mode;

    /// <summary>The application a token was issued to, or null.</summary>
    public string? ApplicationOf(ulong token) => _tokens.GetValueOrDefault(token);

    private ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
