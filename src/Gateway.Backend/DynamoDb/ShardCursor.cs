using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>Where one shard's query resumes: at the start, after <see cref="StartKey"/>, or nowhere (done).</summary>
internal sealed record ShardCursor(Dictionary<string, AttributeValue>? StartKey, bool Done)
{
    public static readonly ShardCursor Start = new(null, false);

    public static readonly ShardCursor Finished = new(null, true);
}
