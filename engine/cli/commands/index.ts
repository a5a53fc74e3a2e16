/** Every `infllm` subcommand, in the order `infllm help` lists them. */
import type { CliCommand } from '../types.js';

export const commands: CliCommand[] = [];
