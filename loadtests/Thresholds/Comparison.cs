namespace LoadTests.Thresholds;

internal enum Comparison
{
    LessThan,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    GreaterThan,
}
