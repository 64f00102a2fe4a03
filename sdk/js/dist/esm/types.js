/** Request options and result shapes (the gateway's JSON, camelCase as sent). */
export {};
