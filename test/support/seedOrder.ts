/**
 * The seed scenario's fair order: three hosts of two VMs, two events per VM (`compute<h>-vm<v>-<i>`), drained one at
 * a time. Hosts take turns, and each host's VMs take turns: compute1-vm1, compute2-vm1, compute3-vm1, compute1-vm2,
 * ... The core's queue, the `roundRobin` node and `fairMergeMap` with a two-level `by` all give it.
 */
export const SEED_ORDER: readonly string[] = [
  'compute1-vm1-0',
  'compute2-vm1-0',
  'compute3-vm1-0',
  'compute1-vm2-0',
  'compute2-vm2-0',
  'compute3-vm2-0',
  'compute1-vm1-1',
  'compute2-vm1-1',
  'compute3-vm1-1',
  'compute1-vm2-1',
  'compute2-vm2-1',
  'compute3-vm2-1',
];
