import { unreadableValueReason } from "@tally/protocols";
import type { FastifySchemaValidationError } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";

/** How `fastify-type-provider-zod` marks its validation errors (a global symbol), which the problem mapper reads. */
const ZOD_VALIDATION_ERROR = Symbol.for("ZodFastifySchemaValidationError");

/**
 * The zod validator for request bodies, parameters and query strings, which never throws: zod runs length
 * checks on any value with a `length` even after its type check failed, and `{"length": {"toString": null}}`
 * then throws out of `safeParse` (a 500 without this). Such a request is refused as any other that does not
 * fit its schema, with a 400 and a reason.
 */
export const untrustedValidatorCompiler: typeof validatorCompiler = (route) => {
  const validate = validatorCompiler(route);
  return (data) => {
    try {
      return validate(data);
    } catch (cause) {
      const error = {
        [ZOD_VALIDATION_ERROR]: true,
        keyword: "custom",
        instancePath: "",
        schemaPath: "#/custom",
        params: {},
        message: unreadableValueReason(cause),
      } as FastifySchemaValidationError;
      return { error: [error] };
    }
  };
};
