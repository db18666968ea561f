/** Every contender, in table order: direct, the plain tunnel, the Node MITM floor, Sigil Vault, then the MITM peers. */
import type { Contender } from "./contender.js";
import { direct } from "./direct.js";
import { floor } from "./floor.js";
import { mitmproxy } from "./mitmproxy.js";
import { mockttp } from "./mockttp.js";
import { sigilVault } from "./sigil-vault.js";
import { squid } from "./squid.js";
import { tunnel } from "./tunnel.js";

export const CONTENDERS: readonly Contender[] = [
  direct,
  tunnel,
  floor,
  sigilVault,
  mitmproxy,
  squid,
  mockttp,
];
