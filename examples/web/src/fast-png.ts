/** fast-png as one ES module, for check.html's import map (the datasets package imports it; its dependencies are inlined here). */
export * from 'fast-png';
