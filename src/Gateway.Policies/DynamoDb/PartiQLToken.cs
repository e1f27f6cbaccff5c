namespace Gateway.Policies.DynamoDb;

/// <summary>One lexical token of a PartiQL statement; <paramref name="ParameterIndex"/> numbers <c>?</c> placeholders from 0.</summary>
internal readonly record struct PartiQLToken(PartiQLTokenKind Kind, string Text, int ParameterIndex = -1);
