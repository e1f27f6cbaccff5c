using Xunit.Abstractions;
using Xunit.Sdk;

namespace Gateway.Tests.EndToEnd;

/// <summary>Runs a class's tests in name order, so the log-scan test (prefixed Z) sees the whole run.</summary>
public sealed class AlphabeticalOrderer : ITestCaseOrderer
{
    public const string TypeName = "Gateway.Tests.EndToEnd.AlphabeticalOrderer";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase
        => testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
