import { CognitoError } from './cognito-error.js';

/**
 * Just enough of DynamoDB (JSON 1.0 protocol: GetItem, PutItem, UpdateItem, DeleteItem with
 * condition and update expressions) for the handlers' rate-limit table, so the sandbox runs them
 * with the same environment `up` gives them instead of switching the limiter off.
 */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;
export type Tables = Record<string, Record<string, Item>>;

const PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const fail = (type: string, message: string) => new CognitoError(`${PREFIX}${type}`, message);
const validation = (message: string) => fail('ValidationException', message);

interface Names {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

type Token = { kind: 'name' | 'value' | 'ident' | 'op' | 'num'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(#[\w]+)|(:[\w]+)|([A-Za-z_][\w.]*)|(<>|<=|>=|[=<>(),+-])|(\d+))/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < expr.length) {
    re.lastIndex = at;
    m = re.exec(expr);
    if (!m || m[0].length === 0) {
      if (expr.slice(at).trim() === '') break;
      throw validation(`Invalid expression: unexpected "${expr.slice(at, at + 10)}"`);
    }
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'ident', text: m[3] });
    else if (m[4]) tokens.push({ kind: 'op', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'num', text: m[5] });
  }
  return tokens;
}

class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw validation('Invalid expression: unexpected end');
    return t;
  }
  accept(text: string): boolean {
    const t = this.peek();
    if (t && (t.text === text || (t.kind === 'ident' && t.text.toUpperCase() === text))) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(text: string): void {
    if (!this.accept(text)) throw validation(`Invalid expression: expected ${text}`);
  }
}

function pathName(t: Token, n: Names): string {
  if (t.kind === 'name') {
    const name = n.names[t.text];
    if (name === undefined)
      throw validation(`An expression attribute name used in the document path is not defined; attribute name: ${t.text}`);
    return name;
  }
  if (t.kind === 'ident') return t.text;
  throw validation(`Invalid expression: expected an attribute, got ${t.text}`);
}

function operand(c: Cursor, n: Names, item: Item | undefined): AttributeValue | undefined {
  const t = c.next();
  if (t.kind === 'value') {
    const v = n.values[t.text];
    if (v === undefined) throw validation(`An expression attribute value used in expression is not defined; attribute value: ${t.text}`);
    return v;
  }
  if (t.kind === 'ident' && t.text === 'if_not_exists') {
    c.expect('(');
    // Read the name first: `item?.[...]` would skip consuming the token when there is no item.
    const name = pathName(c.next(), n);
    const current = item?.[name];
    c.expect(',');
    const fallback = operand(c, n, item);
    c.expect(')');
    return current ?? fallback;
  }
  const name = pathName(t, n);
  return item?.[name];
}

function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b) return undefined;
  if (typeof a.N === 'string' && typeof b.N === 'string') return Number(a.N) - Number(b.N);
  if (typeof a.S === 'string' && typeof b.S === 'string') return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  return undefined;
}

function condition(c: Cursor, n: Names, item: Item | undefined): boolean {
  let value = conjunction(c, n, item);
  while (c.accept('OR')) value = conjunction(c, n, item) || value;
  return value;
}

function conjunction(c: Cursor, n: Names, item: Item | undefined): boolean {
  let value = negation(c, n, item);
  while (c.accept('AND')) value = negation(c, n, item) && value;
  return value;
}

function negation(c: Cursor, n: Names, item: Item | undefined): boolean {
  if (c.accept('NOT')) return !negation(c, n, item);
  if (c.accept('(')) {
    const v = condition(c, n, item);
    c.expect(')');
    return v;
  }
  const t = c.peek();
  if (t?.kind === 'ident' && (t.text === 'attribute_exists' || t.text === 'attribute_not_exists')) {
    c.next();
    c.expect('(');
    const name = pathName(c.next(), n);
    const present = item?.[name] !== undefined;
    c.expect(')');
    return t.text === 'attribute_exists' ? present : !present;
  }
  const left = operand(c, n, item);
  const op = c.next().text;
  const right = operand(c, n, item);
  const d = compare(left, right);
  if (op === '=') return JSON.stringify(left) === JSON.stringify(right);
  if (op === '<>') return JSON.stringify(left) !== JSON.stringify(right);
  if (d === undefined) return false;
  return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : op === '>=' ? d >= 0 : false;
}

function applyUpdate(expr: string, n: Names, item: Item): Item {
  const c = new Cursor(tokenize(expr));
  const out: Item = { ...item };
  let clause = '';
  while (c.peek()) {
    for (const word of ['SET', 'ADD', 'REMOVE', 'DELETE']) if (c.accept(word)) clause = word;
    const target = pathName(c.next(), n);
    if (clause === 'SET') {
      c.expect('=');
      let value = operand(c, n, item);
      while (c.peek()?.text === '+' || c.peek()?.text === '-') {
        const sign = c.next().text === '+' ? 1 : -1;
        const rhs = operand(c, n, item);
        value = { N: String(Number(value?.N) + sign * Number(rhs?.N)) };
      }
      if (value === undefined) throw validation('The provided expression refers to an attribute that does not exist in the item');
      out[target] = value;
    } else if (clause === 'ADD') {
      const value = operand(c, n, item);
      const current = out[target];
      out[target] = { N: String(Number(current?.N ?? 0) + Number(value?.N)) };
    } else if (clause === 'REMOVE') {
      delete out[target];
    } else {
      throw validation(`Unsupported update expression: ${expr}`);
    }
    c.accept(',');
  }
  return out;
}

const keyId = (key: unknown): string => {
  if (typeof key !== 'object' || key === null) throw validation('The provided key element does not match the schema');
  return JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)));
};

function names(input: Record<string, unknown>): Names {
  return {
    names: (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {},
    values: (input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined) ?? {},
  };
}

function check(input: Record<string, unknown>, item: Item | undefined): void {
  const expr = input.ConditionExpression;
  if (typeof expr !== 'string') return;
  const c = new Cursor(tokenize(expr));
  const ok = condition(c, names(input), item);
  if (c.peek()) throw validation(`Invalid ConditionExpression: ${expr}`);
  if (!ok) throw fail('ConditionalCheckFailedException', 'The conditional request failed');
}

export function dynamoOperation(tables: Tables, op: string, input: Record<string, unknown>): Record<string, unknown> {
  const tableName = input.TableName;
  if (typeof tableName !== 'string') throw validation('TableName is required');
  const table = (tables[tableName] ??= {});
  switch (op) {
    case 'GetItem': {
      const item = table[keyId(input.Key)];
      return item ? { Item: item } : {};
    }
    case 'PutItem': {
      const item = input.Item as Item;
      const key = Object.fromEntries(Object.entries(item).filter(([k]) => k === 'pk' || k === 'sk'));
      const id = keyId(key);
      check(input, table[id]);
      table[id] = item;
      return {};
    }
    case 'DeleteItem': {
      const id = keyId(input.Key);
      check(input, table[id]);
      delete table[id];
      return {};
    }
    case 'UpdateItem': {
      const id = keyId(input.Key);
      const current = table[id];
      check(input, current);
      const updated = applyUpdate(typeof input.UpdateExpression === 'string' ? input.UpdateExpression : '', names(input), {
        ...(current ?? {}),
        ...(input.Key as Item),
      });
      table[id] = updated;
      return input.ReturnValues === 'ALL_NEW' ? { Attributes: updated } : {};
    }
    default:
      throw new CognitoError('UnknownOperationException', `The sandbox does not implement DynamoDB ${op}.`);
  }
}

/** The key (as the table map stores it) of the item an operation wrote or deleted. */
export function itemKey(op: string, input: Record<string, unknown>): string {
  if (op === 'PutItem') {
    const item = input.Item as Item;
    return keyId(Object.fromEntries(Object.entries(item).filter(([k]) => k === 'pk' || k === 'sk')));
  }
  return keyId(input.Key);
}
