"use strict";
/** Request options and result shapes (the gateway's JSON, camelCase as sent). */
Object.defineProperty(exports, "__esModule", { value: true });
