namespace SmartFactoryEdge.Gateway.Hosting;

/// <summary>
/// This process's resident set, read from /proc/self/statm. Not <see cref="Environment.WorkingSet"/>: on Linux that
/// reaches System.Diagnostics.Process through reflection, loading an assembly and allocating a Process per call.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>Resident bytes, or 0 where /proc cannot be read (not Linux, or no access).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return fields.Length > 1 && long.TryParse(fields[1], out var pages) ? pages * Environment.SystemPageSize : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
