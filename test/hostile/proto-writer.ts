/** A raw protobuf writer: any field number, any wire type, any bytes, so requests can lie. */
export const WT = { varint: 0, fixed64: 1, bytes: 2, groupStart: 3, groupEnd: 4, fixed32: 5 } as const;

export function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Buffer.from(out);
}

export const tag = (field: number, wt: number): Buffer => varint((field << 3) | wt);
export const bytesField = (field: number, data: Buffer | string): Buffer => {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([tag(field, WT.bytes), varint(b.length), b]);
};
export const doubleField = (field: number, v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([tag(field, WT.fixed64), b]);
};
/** A double from raw bits (NaN payloads, signalling NaN). */
export const doubleBits = (field: number, bits: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(bits);
  return Buffer.concat([tag(field, WT.fixed64), b]);
};
export const varintField = (field: number, v: number | bigint): Buffer => Buffer.concat([tag(field, WT.varint), varint(v)]);

/** loopgate.v1.EvaluateRequest field numbers. */
export const F = { rollout: 1, canary_revision: 2, zones: 3, current_weight: 4, proposed_weight: 5, request_id: 6, dry_run: 7 } as const;
export const R = { namespace: 1, name: 2 } as const;

export function rolloutField(namespace: string | Buffer, name: string | Buffer): Buffer {
  return bytesField(F.rollout, Buffer.concat([bytesField(R.namespace, namespace), bytesField(R.name, name)]));
}

/** A valid request, with parts replaced or appended. */
export function evaluate(parts: { rollout?: Buffer; zones?: Buffer[]; current?: Buffer; proposed?: Buffer; extra?: Buffer[] } = {}): Buffer {
  return Buffer.concat([
    parts.rollout ?? rolloutField('shop', 'cart'),
    ...(parts.zones ?? [bytesField(F.zones, 'hall-a')]),
    parts.current ?? doubleField(F.current_weight, 0),
    parts.proposed ?? doubleField(F.proposed_weight, 5),
    ...(parts.extra ?? []),
  ]);
}
