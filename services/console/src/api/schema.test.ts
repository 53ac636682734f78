// The typed client stays in step with the public API: the committed schema.d.ts is what
// openapi-typescript makes of the gateway's public_openapi.json today.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import openapiTS, { astToString } from "openapi-typescript";
import { expect, it } from "vitest";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

it("schema.d.ts is generated from the current public OpenAPI (else: make openapi)", async () => {
  const document = JSON.parse(
    readFileSync(here("../../../gateway/src/gateway/public_openapi.json"), "utf8"),
  ) as Parameters<typeof openapiTS>[0];
  const generated = astToString(await openapiTS(document));
  const committed = readFileSync(here("./schema.d.ts"), "utf8");
  // The CLI adds a header comment; compare the declarations.
  expect(committed.endsWith(generated) || committed.includes(generated.trim())).toBe(true);
}, 60_000);
