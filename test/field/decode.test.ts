import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValue, encodeValue, type DecodeSpec } from '../../src/field/decode.ts';

const spec = (type: DecodeSpec['type'], word_order: 'big' | 'little' = 'big', byte_order: 'big' | 'little' = 'big', extra: Partial<DecodeSpec> = {}): DecodeSpec => ({ table: 'holding', type, word_order, byte_order, ...extra });

// ABCD = word big, byte big; CDAB = word little; BADC = byte little; DCBA = both little.
const cases: Array<{ name: string; spec: DecodeSpec; regs: number[]; value: number | boolean }> = [
  { name: 'uint16', spec: spec('uint16'), regs: [0xfffe], value: 65534 },
  { name: 'uint16 byte swapped', spec: spec('uint16', 'big', 'little'), regs: [0x3412], value: 0x1234 },
  { name: 'int16 negative', spec: spec('int16'), regs: [0xfffe], value: -2 },
  { name: 'int16 byte swapped', spec: spec('int16', 'big', 'little'), regs: [0xfeff], value: -2 },
  { name: 'bool register nonzero', spec: spec('bool'), regs: [0x0100], value: true },
  { name: 'bool register zero', spec: spec('bool'), regs: [0], value: false },
  { name: 'bit 0', spec: spec('uint16', 'big', 'big', { bit: 0 }), regs: [0x0001], value: true },
  { name: 'bit 15', spec: spec('bool', 'big', 'big', { bit: 15 }), regs: [0x8000], value: true },
  { name: 'bit 3 clear', spec: spec('bool', 'big', 'big', { bit: 3 }), regs: [0xfff7], value: false },
  { name: 'uint32 ABCD', spec: spec('uint32'), regs: [0x1234, 0x5678], value: 0x12345678 },
  { name: 'uint32 CDAB', spec: spec('uint32', 'little'), regs: [0x5678, 0x1234], value: 0x12345678 },
  { name: 'uint32 BADC', spec: spec('uint32', 'big', 'little'), regs: [0x3412, 0x7856], value: 0x12345678 },
  { name: 'uint32 DCBA', spec: spec('uint32', 'little', 'little'), regs: [0x7856, 0x3412], value: 0x12345678 },
  { name: 'uint32 max', spec: spec('uint32'), regs: [0xffff, 0xffff], value: 4294967295 },
  { name: 'int32 ABCD', spec: spec('int32'), regs: [0xffff, 0xfffe], value: -2 },
  { name: 'int32 CDAB', spec: spec('int32', 'little'), regs: [0xfffe, 0xffff], value: -2 },
  { name: 'int32 BADC', spec: spec('int32', 'big', 'little'), regs: [0xffff, 0xfeff], value: -2 },
  { name: 'int32 DCBA', spec: spec('int32', 'little', 'little'), regs: [0xfeff, 0xffff], value: -2 },
  { name: 'float32 ABCD', spec: spec('float32'), regs: [0x3fc0, 0x0000], value: 1.5 },
  { name: 'float32 CDAB', spec: spec('float32', 'little'), regs: [0x0000, 0x3fc0], value: 1.5 },
  { name: 'float32 BADC', spec: spec('float32', 'big', 'little'), regs: [0xc03f, 0x0000], value: 1.5 },
  { name: 'float32 DCBA', spec: spec('float32', 'little', 'little'), regs: [0x0000, 0xc03f], value: 1.5 },
  { name: 'float32 negative', spec: spec('float32'), regs: [0xc2f6, 0xe979], value: new DataView(Uint8Array.of(0xc2, 0xf6, 0xe9, 0x79).buffer).getFloat32(0) },
  { name: 'uint64 ABCD', spec: spec('uint64'), regs: [0x0001, 0x0203, 0x0405, 0x0607], value: 0x0001020304050607 },
  { name: 'uint64 CDAB', spec: spec('uint64', 'little'), regs: [0x0607, 0x0405, 0x0203, 0x0001], value: 0x0001020304050607 },
  { name: 'uint64 BADC', spec: spec('uint64', 'big', 'little'), regs: [0x0100, 0x0302, 0x0504, 0x0706], value: 0x0001020304050607 },
  { name: 'uint64 DCBA', spec: spec('uint64', 'little', 'little'), regs: [0x0706, 0x0504, 0x0302, 0x0100], value: 0x0001020304050607 },
  { name: 'int64 ABCD', spec: spec('int64'), regs: [0xffff, 0xffff, 0xffff, 0xfffe], value: -2 },
  { name: 'int64 CDAB', spec: spec('int64', 'little'), regs: [0xfffe, 0xffff, 0xffff, 0xffff], value: -2 },
  { name: 'int64 BADC', spec: spec('int64', 'big', 'little'), regs: [0xffff, 0xffff, 0xffff, 0xfeff], value: -2 },
  { name: 'int64 DCBA', spec: spec('int64', 'little', 'little'), regs: [0xfeff, 0xffff, 0xffff, 0xffff], value: -2 },
  { name: 'int64 2^53', spec: spec('int64'), regs: [0x0020, 0, 0, 0], value: 2 ** 53 },
  { name: 'float64 ABCD', spec: spec('float64'), regs: [0x3ff8, 0, 0, 0], value: 1.5 },
  { name: 'float64 CDAB', spec: spec('float64', 'little'), regs: [0, 0, 0, 0x3ff8], value: 1.5 },
  { name: 'float64 BADC', spec: spec('float64', 'big', 'little'), regs: [0xf83f, 0, 0, 0], value: 1.5 },
  { name: 'float64 DCBA', spec: spec('float64', 'little', 'little'), regs: [0, 0, 0, 0xf83f], value: 1.5 },
  { name: 'float64 pi', spec: spec('float64'), regs: [0x4009, 0x21fb, 0x5444, 0x2d18], value: Math.PI },
];

for (const c of cases) {
  test(`decode ${c.name}`, () => {
    assert.equal(decodeValue([0xdead, ...c.regs, 0xbeef], 1, c.spec), c.value);
  });
  if (typeof c.value === 'number' && c.spec.bit === undefined) {
    test(`encode ${c.name} round-trips`, () => assert.deepEqual(encodeValue(c.value as number, c.spec), c.regs));
  }
}

test('coil and discrete values are bits', () => {
  assert.equal(decodeValue(Uint8Array.of(0, 1, 0), 1, { table: 'coil', type: 'bool', word_order: 'big', byte_order: 'big' }), true);
  assert.equal(decodeValue(Uint8Array.of(0, 1, 0), 2, { table: 'discrete', type: 'bool', word_order: 'big', byte_order: 'big' }), false);
});
