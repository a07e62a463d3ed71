using System.Runtime.CompilerServices;

// The techniques' tests reach internal switches (e.g. Scanxen's TLB flush after clearing D bits,
// turned off to show the write it would miss) that no caller of the hypervisor may use.
[assembly: InternalsVisibleTo("HvSim.Tests")]
