/** The argv flag a remover Worker is started with (its own module: entries check it cheaply). */
export const removeWorkerFlag = "--opsctl-worker=fs-remove";
