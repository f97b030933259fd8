using Xunit;

// Each test class starts its own gateway and node-opcua server (and the browser tests a Chromium): run the classes one
// after the other so that a 2-core machine shared with other suites is not overloaded into timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
