namespace Gateway.Verification;

/// <summary>The DynamoDB call a <see cref="VerificationProbe"/> makes with a canary session.</summary>
public enum ProbeOperation
{
    GetItem,
    Query,
    PutItem,
    UpdateItem,
    DeleteItem,
    BatchGetItem,
    BatchWriteItem,
    TransactGetItems,
    TransactWriteItems,
    PartiQLKeyless,
    PartiQLByPartition,
    Scan,
    DescribeTable,
}
