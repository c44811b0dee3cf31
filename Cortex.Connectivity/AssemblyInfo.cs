namespace Cortex.Connectivity;
