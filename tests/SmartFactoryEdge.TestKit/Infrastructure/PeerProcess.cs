using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SmartFactoryEdge.TestKit.Infrastructure;

/// <summary>
/// A real peer (or our own sfe process) started for a test: output captured line by line, a wait for a
/// readiness line with a timeout as a guard against hangs (never a sleep), and a kill of the whole process
/// tree on dispose so that no test leaves a process behind.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Done)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();

    private PeerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far (stdout and stderr interleaved).</summary>
    public string Output { get { lock (_gate) return _log.ToString(); } }

    public Task<int> Exited => _exited.Task;

    public static PeerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, string? name = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var peer = new PeerProcess(process, name ?? Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data);
        process.Exited += (_, _) => peer.OnExited();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Waits until a line matches <paramref name="pattern"/>; fails with the output so far if the process exits or the guard runs out.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var tcs = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var line in _log.ToString().Split('\n'))
            {
                var m = regex.Match(line);
                if (m.Success) return m;
            }
            _waiters.Add((regex, tcs));
        }
        var finished = await Task.WhenAny(tcs.Task, _exited.Task, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        if (finished == tcs.Task) return await tcs.Task.ConfigureAwait(false);
        lock (_gate) _waiters.RemoveAll(w => w.Done == tcs);
        var why = finished == _exited.Task ? $"exited with code {_process.ExitCode}" : $"printed no line matching /{pattern}/ within {timeout.TotalSeconds:0.#} s";
        throw new TimeoutException($"{Name} {why}. Output:\n{Output}");
    }

    /// <summary>Sends a signal (SIGTERM=15, SIGKILL=9, SIGSTOP=19, SIGCONT=18) to the process.</summary>
    public void Signal(int signal)
    {
        if (_process.HasExited) return;
        if (Native.kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed.");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var finished = await Task.WhenAny(_exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        if (finished != _exited.Task) throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0.#} s. Output:\n{Output}");
        return await _exited.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(18); // a SIGSTOPped peer must be continued to die cleanly
                _process.Kill(entireProcessTree: true);
                await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        List<(TaskCompletionSource<Match>, Match)>? hits = null;
        lock (_gate)
        {
            _log.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                var m = _waiters[i].Pattern.Match(line);
                if (!m.Success) continue;
                (hits ??= []).Add((_waiters[i].Done, m));
                _waiters.RemoveAt(i);
            }
        }
        if (hits is null) return;
        foreach (var (tcs, m) in hits) tcs.TrySetResult(m);
    }

    private void OnExited()
    {
        // WaitForExit() with no timeout flushes the async output readers before we report the exit
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int sig);
    }
}
