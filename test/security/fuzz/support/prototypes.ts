const baseline = {
  object: Object.getOwnPropertyNames(Object.prototype).join(","),
  array: Object.getOwnPropertyNames(Array.prototype).join(","),
};

/** Fails when a parser wrote onto a shared prototype (a `__proto__` or `constructor.prototype` key taken literally). */
export function expectPrototypesUntouched(): void {
  if (
    Object.getOwnPropertyNames(Object.prototype).join(",") !== baseline.object ||
    Object.getOwnPropertyNames(Array.prototype).join(",") !== baseline.array ||
    "polluted" in {}
  ) {
    throw new Error("a shared prototype was modified");
  }
}
