import { defineProjectConfig } from '../../vitest.config.base.ts';

export default defineProjectConfig(import.meta.dirname);
