import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';

/** Query keys of the products domain. */
export const productKeys = {
  list: (connectionId: string) => ['products', connectionId] as const,
};

/** Every product of the connection's service, in display order, each with its ETag. */
export function useProducts(connectionId: string) {
  return useQuery({
    queryKey: productKeys.list(connectionId),
    queryFn: () => unwrap(latchkey().listProducts({ connectionId })),
  });
}

/** Adding or changing one product can move the others, and a refusal may mean a newer list: read it again. */
function useRefetchProducts() {
  const qc = useQueryClient();
  return (_result: unknown, _error: unknown, input: { connectionId: string }) =>
    qc.invalidateQueries({ queryKey: productKeys.list(input.connectionId) });
}

/** Adds a product (last, or at its position). */
export function useAddProduct() {
  const onSettled = useRefetchProducts();
  return useMutation({
    mutationFn: (input: IpcInput<'addProduct'>) => unwrap(latchkey().addProduct(input)),
    onSettled,
  });
}

/** Renames, re-addresses or moves a product (If-Match: the ETag it was read with). */
export function useEditProduct() {
  const onSettled = useRefetchProducts();
  return useMutation({
    mutationFn: (input: IpcInput<'editProduct'>) => unwrap(latchkey().editProduct(input)),
    onSettled,
  });
}
