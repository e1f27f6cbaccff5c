using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Copying;
using Gateway.Migration.Invocation;

namespace Gateway.Migration.Tests.Copying;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"checkpoint-{Guid.NewGuid():N}.json");

    [Fact]
    public void Open_AfterAdvance_ResumesAtTheRecordedKeys()
    {
        var first = Checkpoint.Open(_path, "plan-1", "*", 4);
        first.Advance(0, new Dictionary<string, AttributeValue> { ["applicationId"] = new("app-9") }, 25);
        first.Advance(1, null, 10);

        var resumed = Checkpoint.Open(_path, "plan-1", "*", 4);

        Assert.True(resumed.Resumed);
        Assert.Equal(35, resumed.Copied);
        Assert.Equal("app-9", resumed.Keys[0]["applicationId"].S);
        Assert.Contains(1, resumed.Done);
        Assert.False(resumed.Complete);
    }

    [Theory]
    [InlineData("plan-2", "*", 4, "another plan")]
    [InlineData("plan-1", "acme", 4, "other organizations")]
    [InlineData("plan-1", "*", 8, "other organizations or --segments")]
    public void Open_OtherRun_UsageError(string plan, string selection, int segments, string message)
    {
        Checkpoint.Open(_path, "plan-1", "*", 4).Save();

        var error = Assert.Throws<UsageException>(() => Checkpoint.Open(_path, plan, selection, segments));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Garbage_UsageErrorFileUntouched()
    {
        File.WriteAllText(_path, "{\"plan\":");

        Assert.Throws<UsageException>(() => Checkpoint.Open(_path, "plan-1", "*", 4));
        Assert.Equal("{\"plan\":", File.ReadAllText(_path));
    }

    public void Dispose() => File.Delete(_path);
}
