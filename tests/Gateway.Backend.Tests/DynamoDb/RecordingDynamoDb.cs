using System.Reflection;
using Amazon.DynamoDBv2;

namespace Gateway.Backend.Tests.DynamoDb;

/// <summary>An IAmazonDynamoDB that records requests and answers from a script (unit tests of request shaping only).</summary>
public class RecordingDynamoDb : DispatchProxy
{
    public List<object> Requests { get; } = [];

    public Func<object, object> Respond { get; set; } = _ => throw new InvalidOperationException("no response scripted");

    public static (IAmazonDynamoDB Client, RecordingDynamoDb Recorder) Create()
    {
        var client = DispatchProxy.Create<IAmazonDynamoDB, RecordingDynamoDb>();
        return (client, (RecordingDynamoDb)(object)client);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var request = args is { Length: > 0 } ? args[0] : null;
        if (request is null || !targetMethod.ReturnType.IsGenericType)
        {
            throw new NotSupportedException(targetMethod.Name);
        }

        object response;
        lock (Requests)
        {
            Requests.Add(request);
            response = Respond(request);
        }

        var fromResult = typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]);
        return fromResult.Invoke(null, [response]);
    }
}
