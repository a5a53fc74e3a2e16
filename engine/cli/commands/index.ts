/** Every `infllm` subcommand, in the order `infllm help` lists them. */
import type { CliCommand } from '../types.js';
import { askCommand } from './ask.js';
import { detokenizeCommand } from './detokenize.js';
import { extractCommand } from './extract.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import { ingestCommand } from './ingest.js';
import { logitsCommand } from './logits.js';
import { synthCommand } from './synth.js';
import { tokenizeCommand } from './tokenize.js';

export const commands: CliCommand[] = [infoCommand, tokenizeCommand, detokenizeCommand, extractCommand, synthCommand, logitsCommand, generateCommand, ingestCommand, askCommand];
