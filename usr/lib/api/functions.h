/*
 * The PKCS#11 functions this library provides, in the order of the function
 * lists of 2.40 and of 3.0, as data for the tables built from them
 * (interface.c) and the call tracing in front of them (calls.c).
 *
 * Each row is X(name, parameters, arguments, trace): the function's
 * parameter list, the same names as an argument list, and the printf
 * format and arguments of what a trace line shows of the call.  A trace
 * shows handles, lengths, flags, mechanisms and attribute types, never a
 * buffer: no PIN, no PIN length, no data and no attribute value.
 * CALLS_MECH, CALLS_MECH_TYPE, CALLS_ATTRS and CALLS_USER (calls.c) name
 * what they are given.
 */
#ifndef API_FUNCTIONS_H
#define API_FUNCTIONS_H

/* C_GetInfo is left out: each interface has its own (interface.c). */
#define API_FUNCTIONS_240(X)                                                                       \
	X(C_Initialize, (CK_VOID_PTR init_args), (init_args), ("%s", ""))                          \
	X(C_Finalize, (CK_VOID_PTR reserved), (reserved), ("%s", ""))                              \
	X(C_GetFunctionList, (CK_FUNCTION_LIST_PTR_PTR list), (list), ("%s", ""))                  \
	X(C_GetSlotList, (CK_BBOOL token_present, CK_SLOT_ID_PTR slot_list, CK_ULONG_PTR count),   \
	  (token_present, slot_list, count), ("token present %u", (unsigned)token_present))        \
	X(C_GetSlotInfo, (CK_SLOT_ID slot_id, CK_SLOT_INFO_PTR info), (slot_id, info),             \
	  ("slot %lu", slot_id))                                                                   \
	X(C_GetTokenInfo, (CK_SLOT_ID slot_id, CK_TOKEN_INFO_PTR info), (slot_id, info),           \
	  ("slot %lu", slot_id))                                                                   \
	X(C_GetMechanismList,                                                                      \
	  (CK_SLOT_ID slot_id, CK_MECHANISM_TYPE_PTR mechanism_list, CK_ULONG_PTR count),          \
	  (slot_id, mechanism_list, count), ("slot %lu", slot_id))                                 \
	X(C_GetMechanismInfo,                                                                      \
	  (CK_SLOT_ID slot_id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info),                \
	  (slot_id, type, info), ("slot %lu, %s", slot_id, CALLS_MECH_TYPE(type)))                 \
	X(C_InitToken, (CK_SLOT_ID slot_id, CK_BYTE_PTR pin, CK_ULONG pin_len, CK_BYTE_PTR label), \
	  (slot_id, pin, pin_len, label), ("slot %lu", slot_id))                                   \
	X(C_InitPIN, (CK_SESSION_HANDLE session, CK_BYTE_PTR pin, CK_ULONG pin_len),               \
	  (session, pin, pin_len), ("session %lu", session))                                       \
	X(C_SetPIN,                                                                                \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR old_pin, CK_ULONG old_len, CK_BYTE_PTR new_pin,  \
	   CK_ULONG new_len),                                                                      \
	  (session, old_pin, old_len, new_pin, new_len), ("session %lu", session))                 \
	X(C_OpenSession,                                                                           \
	  (CK_SLOT_ID slot_id, CK_FLAGS flags, CK_VOID_PTR application, CK_NOTIFY notify,          \
	   CK_SESSION_HANDLE_PTR session),                                                         \
	  (slot_id, flags, application, notify, session),                                          \
	  ("slot %lu, flags 0x%lx", slot_id, flags))                                               \
	X(C_CloseSession, (CK_SESSION_HANDLE session), (session), ("session %lu", session))        \
	X(C_CloseAllSessions, (CK_SLOT_ID slot_id), (slot_id), ("slot %lu", slot_id))              \
	X(C_GetSessionInfo, (CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info),                 \
	  (session, info), ("session %lu", session))                                               \
	X(C_GetOperationState,                                                                     \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR operation_state,                                 \
	   CK_ULONG_PTR operation_state_len),                                                      \
	  (session, operation_state, operation_state_len), ("session %lu", session))               \
	X(C_SetOperationState,                                                                     \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR operation_state, CK_ULONG operation_state_len,   \
	   CK_OBJECT_HANDLE encryption_key, CK_OBJECT_HANDLE authentication_key),                  \
	  (session, operation_state, operation_state_len, encryption_key, authentication_key),     \
	  ("session %lu, operation state len %lu, encryption key %lu, authentication key %lu",     \
	   session, operation_state_len, encryption_key, authentication_key))                      \
	X(C_Login,                                                                                 \
	  (CK_SESSION_HANDLE session, CK_USER_TYPE user_type, CK_BYTE_PTR pin, CK_ULONG pin_len),  \
	  (session, user_type, pin, pin_len), ("session %lu, %s", session, CALLS_USER(user_type))) \
	X(C_Logout, (CK_SESSION_HANDLE session), (session), ("session %lu", session))              \
	X(C_CreateObject,                                                                          \
	  (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count,                      \
	   CK_OBJECT_HANDLE_PTR object),                                                           \
	  (session, templ, count, object),                                                         \
	  ("session %lu, %s", session, CALLS_ATTRS(templ, count)))                                 \
	X(C_CopyObject,                                                                            \
	  (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ,             \
	   CK_ULONG count, CK_OBJECT_HANDLE_PTR new_object),                                       \
	  (session, object, templ, count, new_object),                                             \
	  ("session %lu, object %lu, %s", session, object, CALLS_ATTRS(templ, count)))             \
	X(C_DestroyObject, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object),                   \
	  (session, object), ("session %lu, object %lu", session, object))                         \
	X(C_GetObjectSize,                                                                         \
	  (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size),                 \
	  (session, object, size), ("session %lu, object %lu", session, object))                   \
	X(C_GetAttributeValue,                                                                     \
	  (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ,             \
	   CK_ULONG count),                                                                        \
	  (session, object, templ, count),                                                         \
	  ("session %lu, object %lu, %s", session, object, CALLS_ATTRS(templ, count)))             \
	X(C_SetAttributeValue,                                                                     \
	  (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ,             \
	   CK_ULONG count),                                                                        \
	  (session, object, templ, count),                                                         \
	  ("session %lu, object %lu, %s", session, object, CALLS_ATTRS(templ, count)))             \
	X(C_FindObjectsInit, (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count),  \
	  (session, templ, count), ("session %lu, %s", session, CALLS_ATTRS(templ, count)))        \
	X(C_FindObjects,                                                                           \
	  (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR object, CK_ULONG max_object_count,      \
	   CK_ULONG_PTR object_count),                                                             \
	  (session, object, max_object_count, object_count),                                       \
	  ("session %lu, max object count %lu", session, max_object_count))                        \
	X(C_FindObjectsFinal, (CK_SESSION_HANDLE session), (session), ("session %lu", session))    \
	X(C_EncryptInit,                                                                           \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_Encrypt,                                                                               \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,                         \
	   CK_BYTE_PTR encrypted_data, CK_ULONG_PTR encrypted_data_len),                           \
	  (session, data, data_len, encrypted_data, encrypted_data_len),                           \
	  ("session %lu, data len %lu", session, data_len))                                        \
	X(C_EncryptUpdate,                                                                         \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,                         \
	   CK_BYTE_PTR encrypted_part, CK_ULONG_PTR encrypted_part_len),                           \
	  (session, part, part_len, encrypted_part, encrypted_part_len),                           \
	  ("session %lu, part len %lu", session, part_len))                                        \
	X(C_EncryptFinal,                                                                          \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR last_encrypted_part,                             \
	   CK_ULONG_PTR last_encrypted_part_len),                                                  \
	  (session, last_encrypted_part, last_encrypted_part_len), ("session %lu", session))       \
	X(C_DecryptInit,                                                                           \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_Decrypt,                                                                               \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR encrypted_data, CK_ULONG encrypted_data_len,     \
	   CK_BYTE_PTR data, CK_ULONG_PTR data_len),                                               \
	  (session, encrypted_data, encrypted_data_len, data, data_len),                           \
	  ("session %lu, encrypted data len %lu", session, encrypted_data_len))                    \
	X(C_DecryptUpdate,                                                                         \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR encrypted_part, CK_ULONG encrypted_part_len,     \
	   CK_BYTE_PTR part, CK_ULONG_PTR part_len),                                               \
	  (session, encrypted_part, encrypted_part_len, part, part_len),                           \
	  ("session %lu, encrypted part len %lu", session, encrypted_part_len))                    \
	X(C_DecryptFinal,                                                                          \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR last_part, CK_ULONG_PTR last_part_len),          \
	  (session, last_part, last_part_len), ("session %lu", session))                           \
	X(C_DigestInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism),                   \
	  (session, mechanism), ("session %lu, %s", session, CALLS_MECH(mechanism)))               \
	X(C_Digest,                                                                                \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR digest,     \
	   CK_ULONG_PTR digest_len),                                                               \
	  (session, data, data_len, digest, digest_len),                                           \
	  ("session %lu, data len %lu", session, data_len))                                        \
	X(C_DigestUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),        \
	  (session, part, part_len), ("session %lu, part len %lu", session, part_len))             \
	X(C_DigestKey, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key), (session, key),          \
	  ("session %lu, key %lu", session, key))                                                  \
	X(C_DigestFinal, (CK_SESSION_HANDLE session, CK_BYTE_PTR digest, CK_ULONG_PTR digest_len), \
	  (session, digest, digest_len), ("session %lu", session))                                 \
	X(C_SignInit,                                                                              \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_Sign,                                                                                  \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature,  \
	   CK_ULONG_PTR signature_len),                                                            \
	  (session, data, data_len, signature, signature_len),                                     \
	  ("session %lu, data len %lu", session, data_len))                                        \
	X(C_SignUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),          \
	  (session, part, part_len), ("session %lu, part len %lu", session, part_len))             \
	X(C_SignFinal,                                                                             \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG_PTR signature_len),          \
	  (session, signature, signature_len), ("session %lu", session))                           \
	X(C_SignRecoverInit,                                                                       \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_SignRecover,                                                                           \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature,  \
	   CK_ULONG_PTR signature_len),                                                            \
	  (session, data, data_len, signature, signature_len),                                     \
	  ("session %lu, data len %lu", session, data_len))                                        \
	X(C_VerifyInit,                                                                            \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_Verify,                                                                                \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature,  \
	   CK_ULONG signature_len),                                                                \
	  (session, data, data_len, signature, signature_len),                                     \
	  ("session %lu, data len %lu, signature len %lu", session, data_len, signature_len))      \
	X(C_VerifyUpdate, (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),        \
	  (session, part, part_len), ("session %lu, part len %lu", session, part_len))             \
	X(C_VerifyFinal,                                                                           \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG signature_len),              \
	  (session, signature, signature_len),                                                     \
	  ("session %lu, signature len %lu", session, signature_len))                              \
	X(C_VerifyRecoverInit,                                                                     \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_VerifyRecover,                                                                         \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG signature_len,               \
	   CK_BYTE_PTR data, CK_ULONG_PTR data_len),                                               \
	  (session, signature, signature_len, data, data_len),                                     \
	  ("session %lu, signature len %lu", session, signature_len))                              \
	X(C_DigestEncryptUpdate,                                                                   \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,                         \
	   CK_BYTE_PTR encrypted_part, CK_ULONG_PTR encrypted_part_len),                           \
	  (session, part, part_len, encrypted_part, encrypted_part_len),                           \
	  ("session %lu, part len %lu", session, part_len))                                        \
	X(C_DecryptDigestUpdate,                                                                   \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR encrypted_part, CK_ULONG encrypted_part_len,     \
	   CK_BYTE_PTR part, CK_ULONG_PTR part_len),                                               \
	  (session, encrypted_part, encrypted_part_len, part, part_len),                           \
	  ("session %lu, encrypted part len %lu", session, encrypted_part_len))                    \
	X(C_SignEncryptUpdate,                                                                     \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,                         \
	   CK_BYTE_PTR encrypted_part, CK_ULONG_PTR encrypted_part_len),                           \
	  (session, part, part_len, encrypted_part, encrypted_part_len),                           \
	  ("session %lu, part len %lu", session, part_len))                                        \
	X(C_DecryptVerifyUpdate,                                                                   \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR encrypted_part, CK_ULONG encrypted_part_len,     \
	   CK_BYTE_PTR part, CK_ULONG_PTR part_len),                                               \
	  (session, encrypted_part, encrypted_part_len, part, part_len),                           \
	  ("session %lu, encrypted part len %lu", session, encrypted_part_len))                    \
	X(C_GenerateKey,                                                                           \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR templ,          \
	   CK_ULONG count, CK_OBJECT_HANDLE_PTR key),                                              \
	  (session, mechanism, templ, count, key),                                                 \
	  ("session %lu, %s, %s", session, CALLS_MECH(mechanism), CALLS_ATTRS(templ, count)))      \
	X(C_GenerateKeyPair,                                                                       \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,                                  \
	   CK_ATTRIBUTE_PTR public_key_template, CK_ULONG public_key_attribute_count,              \
	   CK_ATTRIBUTE_PTR private_key_template, CK_ULONG private_key_attribute_count,            \
	   CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key),                     \
	  (session, mechanism, public_key_template, public_key_attribute_count,                    \
	   private_key_template, private_key_attribute_count, public_key, private_key),            \
	  ("session %lu, %s, %s, %s", session, CALLS_MECH(mechanism),                              \
	   CALLS_ATTRS(public_key_template, public_key_attribute_count),                           \
	   CALLS_ATTRS(private_key_template, private_key_attribute_count)))                        \
	X(C_WrapKey,                                                                               \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE wrapping_key,   \
	   CK_OBJECT_HANDLE key, CK_BYTE_PTR wrapped_key, CK_ULONG_PTR wrapped_key_len),           \
	  (session, mechanism, wrapping_key, key, wrapped_key, wrapped_key_len),                   \
	  ("session %lu, %s, wrapping key %lu, key %lu", session, CALLS_MECH(mechanism),           \
	   wrapping_key, key))                                                                     \
	X(C_UnwrapKey,                                                                             \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE unwrapping_key, \
	   CK_BYTE_PTR wrapped_key, CK_ULONG wrapped_key_len, CK_ATTRIBUTE_PTR templ,              \
	   CK_ULONG attribute_count, CK_OBJECT_HANDLE_PTR key),                                    \
	  (session, mechanism, unwrapping_key, wrapped_key, wrapped_key_len, templ,                \
	   attribute_count, key),                                                                  \
	  ("session %lu, %s, unwrapping key %lu, wrapped key len %lu, %s", session,                \
	   CALLS_MECH(mechanism), unwrapping_key, wrapped_key_len,                                 \
	   CALLS_ATTRS(templ, attribute_count)))                                                   \
	X(C_DeriveKey,                                                                             \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE base_key,       \
	   CK_ATTRIBUTE_PTR templ, CK_ULONG attribute_count, CK_OBJECT_HANDLE_PTR key),            \
	  (session, mechanism, base_key, templ, attribute_count, key),                             \
	  ("session %lu, %s, base key %lu, %s", session, CALLS_MECH(mechanism), base_key,          \
	   CALLS_ATTRS(templ, attribute_count)))                                                   \
	X(C_SeedRandom, (CK_SESSION_HANDLE session, CK_BYTE_PTR seed, CK_ULONG seed_len),          \
	  (session, seed, seed_len), ("session %lu, seed len %lu", session, seed_len))             \
	X(C_GenerateRandom,                                                                        \
	  (CK_SESSION_HANDLE session, CK_BYTE_PTR random_data, CK_ULONG random_len),               \
	  (session, random_data, random_len),                                                      \
	  ("session %lu, random len %lu", session, random_len))                                    \
	X(C_GetFunctionStatus, (CK_SESSION_HANDLE session), (session), ("session %lu", session))   \
	X(C_CancelFunction, (CK_SESSION_HANDLE session), (session), ("session %lu", session))      \
	X(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved),         \
	  (flags, slot, reserved), ("flags 0x%lx", flags))

#define API_FUNCTIONS_30(X)                                                                        \
	X(C_GetInterfaceList, (CK_INTERFACE_PTR list, CK_ULONG_PTR count), (list, count),          \
	  ("%s", ""))                                                                              \
	X(C_GetInterface,                                                                          \
	  (CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR iface,               \
	   CK_FLAGS flags),                                                                        \
	  (name, version, iface, flags), ("flags 0x%lx", flags))                                   \
	X(C_LoginUser,                                                                             \
	  (CK_SESSION_HANDLE session, CK_USER_TYPE user_type, CK_UTF8CHAR_PTR pin,                 \
	   CK_ULONG pin_len, CK_UTF8CHAR_PTR username, CK_ULONG username_len),                     \
	  (session, user_type, pin, pin_len, username, username_len),                              \
	  ("session %lu, %s, username len %lu", session, CALLS_USER(user_type), username_len))     \
	X(C_SessionCancel, (CK_SESSION_HANDLE session, CK_FLAGS flags), (session, flags),          \
	  ("session %lu, flags 0x%lx", session, flags))                                            \
	X(C_MessageEncryptInit,                                                                    \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_EncryptMessage,                                                                        \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR associated_data, CK_ULONG associated_data_len, CK_BYTE_PTR plaintext,       \
	   CK_ULONG plaintext_len, CK_BYTE_PTR ciphertext, CK_ULONG_PTR ciphertext_len),           \
	  (session, parameter, parameter_len, associated_data, associated_data_len, plaintext,     \
	   plaintext_len, ciphertext, ciphertext_len),                                             \
	  ("session %lu, parameter len %lu, associated data len %lu, plaintext len %lu", session,  \
	   parameter_len, associated_data_len, plaintext_len))                                     \
	X(C_EncryptMessageBegin,                                                                   \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR associated_data, CK_ULONG associated_data_len),                             \
	  (session, parameter, parameter_len, associated_data, associated_data_len),               \
	  ("session %lu, parameter len %lu, associated data len %lu", session, parameter_len,      \
	   associated_data_len))                                                                   \
	X(C_EncryptMessageNext,                                                                    \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR plaintext_part, CK_ULONG plaintext_part_len, CK_BYTE_PTR ciphertext_part,   \
	   CK_ULONG_PTR ciphertext_part_len, CK_FLAGS flags),                                      \
	  (session, parameter, parameter_len, plaintext_part, plaintext_part_len, ciphertext_part, \
	   ciphertext_part_len, flags),                                                            \
	  ("session %lu, parameter len %lu, plaintext part len %lu, flags 0x%lx", session,         \
	   parameter_len, plaintext_part_len, flags))                                              \
	X(C_MessageEncryptFinal, (CK_SESSION_HANDLE session), (session), ("session %lu", session)) \
	X(C_MessageDecryptInit,                                                                    \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_DecryptMessage,                                                                        \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR associated_data, CK_ULONG associated_data_len, CK_BYTE_PTR ciphertext,      \
	   CK_ULONG ciphertext_len, CK_BYTE_PTR plaintext, CK_ULONG_PTR plaintext_len),            \
	  (session, parameter, parameter_len, associated_data, associated_data_len, ciphertext,    \
	   ciphertext_len, plaintext, plaintext_len),                                              \
	  ("session %lu, parameter len %lu, associated data len %lu, ciphertext len %lu", session, \
	   parameter_len, associated_data_len, ciphertext_len))                                    \
	X(C_DecryptMessageBegin,                                                                   \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR associated_data, CK_ULONG associated_data_len),                             \
	  (session, parameter, parameter_len, associated_data, associated_data_len),               \
	  ("session %lu, parameter len %lu, associated data len %lu", session, parameter_len,      \
	   associated_data_len))                                                                   \
	X(C_DecryptMessageNext,                                                                    \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR ciphertext_part, CK_ULONG ciphertext_part_len, CK_BYTE_PTR plaintext_part,  \
	   CK_ULONG_PTR plaintext_part_len, CK_FLAGS flags),                                       \
	  (session, parameter, parameter_len, ciphertext_part, ciphertext_part_len,                \
	   plaintext_part, plaintext_part_len, flags),                                             \
	  ("session %lu, parameter len %lu, ciphertext part len %lu, flags 0x%lx", session,        \
	   parameter_len, ciphertext_part_len, flags))                                             \
	X(C_MessageDecryptFinal, (CK_SESSION_HANDLE session), (session), ("session %lu", session)) \
	X(C_MessageSignInit,                                                                       \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_SignMessage,                                                                           \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature,                             \
	   CK_ULONG_PTR signature_len),                                                            \
	  (session, parameter, parameter_len, data, data_len, signature, signature_len),           \
	  ("session %lu, parameter len %lu, data len %lu", session, parameter_len, data_len))      \
	X(C_SignMessageBegin,                                                                      \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len),              \
	  (session, parameter, parameter_len),                                                     \
	  ("session %lu, parameter len %lu", session, parameter_len))                              \
	X(C_SignMessageNext,                                                                       \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature,                             \
	   CK_ULONG_PTR signature_len),                                                            \
	  (session, parameter, parameter_len, data, data_len, signature, signature_len),           \
	  ("session %lu, parameter len %lu, data len %lu", session, parameter_len, data_len))      \
	X(C_MessageSignFinal, (CK_SESSION_HANDLE session), (session), ("session %lu", session))    \
	X(C_MessageVerifyInit,                                                                     \
	  (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key),           \
	  (session, mechanism, key),                                                               \
	  ("session %lu, %s, key %lu", session, CALLS_MECH(mechanism), key))                       \
	X(C_VerifyMessage,                                                                         \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature, CK_ULONG signature_len),    \
	  (session, parameter, parameter_len, data, data_len, signature, signature_len),           \
	  ("session %lu, parameter len %lu, data len %lu, signature len %lu", session,             \
	   parameter_len, data_len, signature_len))                                                \
	X(C_VerifyMessageBegin,                                                                    \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len),              \
	  (session, parameter, parameter_len),                                                     \
	  ("session %lu, parameter len %lu", session, parameter_len))                              \
	X(C_VerifyMessageNext,                                                                     \
	  (CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_len,               \
	   CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR signature, CK_ULONG signature_len),    \
	  (session, parameter, parameter_len, data, data_len, signature, signature_len),           \
	  ("session %lu, parameter len %lu, data len %lu, signature len %lu", session,             \
	   parameter_len, data_len, signature_len))                                                \
	X(C_MessageVerifyFinal, (CK_SESSION_HANDLE session), (session), ("session %lu", session))

#endif
