/*
 * The parts of PKCS#11 3.0 that openslot uses and that the 2.40 header of
 * p11-kit 0.24 lacks: the interface discovery functions, C_LoginUser,
 * C_SessionCancel, the message-based functions and their function list, and
 * the return values, flags, mechanisms, key types and parameter structures
 * the tokens implement.  Everything is written with the standard CK_* names.
 *
 * Every constant is guarded by its own #ifndef, so a newer p11-kit header
 * that already defines it wins.  The types, prototypes and the 3.0 function
 * list cannot be tested one by one; they are defined together only while
 * the underlying header still reports Cryptoki 2.x, since a p11-kit header
 * that reports 3.x defines all of them.
 *
 * p11-kit 0.24 numbers five return values 0x1c0-0x1c4; the specification
 * gives them 0x1b5-0x1b9.  They are corrected here whenever they differ, so
 * every part of openslot reports the specified values.
 */
#ifndef OPENSLOT_PKCS11_3X_H
#define OPENSLOT_PKCS11_3X_H

#include <p11-kit/pkcs11.h>

#ifndef CRYPTOKI_COMPAT
#error "openslot needs the standard PKCS#11 names: do not define CRYPTOKI_GNU"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Return values */

#if CKR_EXCEEDED_MAX_ITERATIONS != 0x000001B5UL
#undef CKR_EXCEEDED_MAX_ITERATIONS
#define CKR_EXCEEDED_MAX_ITERATIONS 0x000001B5UL
#endif
#if CKR_FIPS_SELF_TEST_FAILED != 0x000001B6UL
#undef CKR_FIPS_SELF_TEST_FAILED
#define CKR_FIPS_SELF_TEST_FAILED 0x000001B6UL
#endif
#if CKR_LIBRARY_LOAD_FAILED != 0x000001B7UL
#undef CKR_LIBRARY_LOAD_FAILED
#define CKR_LIBRARY_LOAD_FAILED 0x000001B7UL
#endif
#if CKR_PIN_TOO_WEAK != 0x000001B8UL
#undef CKR_PIN_TOO_WEAK
#define CKR_PIN_TOO_WEAK 0x000001B8UL
#endif
#if CKR_PUBLIC_KEY_INVALID != 0x000001B9UL
#undef CKR_PUBLIC_KEY_INVALID
#define CKR_PUBLIC_KEY_INVALID 0x000001B9UL
#endif

#ifndef CKR_ACTION_PROHIBITED
#define CKR_ACTION_PROHIBITED 0x0000001BUL
#endif
#ifndef CKR_TOKEN_RESOURCE_EXCEEDED
#define CKR_TOKEN_RESOURCE_EXCEEDED 0x00000201UL
#endif
#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED 0x00000202UL
#endif

/* Flags of CK_INTERFACE */
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#endif

/* Flags of C_EncryptMessageNext and C_DecryptMessageNext */
#ifndef CKF_END_OF_MESSAGE
#define CKF_END_OF_MESSAGE 0x00000001UL
#endif

/*
 * Flags of CK_MECHANISM_INFO for the message-based functions; C_SessionCancel
 * takes these together with CKF_ENCRYPT ... CKF_DERIVE and CKF_FIND_OBJECTS.
 */
#ifndef CKF_MESSAGE_ENCRYPT
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#endif
#ifndef CKF_MESSAGE_DECRYPT
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#endif
#ifndef CKF_MESSAGE_SIGN
#define CKF_MESSAGE_SIGN 0x00000008UL
#endif
#ifndef CKF_MESSAGE_VERIFY
#define CKF_MESSAGE_VERIFY 0x00000010UL
#endif
#ifndef CKF_MULTI_MESSAGE
#define CKF_MULTI_MESSAGE 0x00000020UL
#endif
#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif

/* Elliptic curve capabilities in CK_MECHANISM_INFO */
#ifndef CKF_EC_F_2M
#define CKF_EC_F_2M 0x00200000UL
#endif
#ifndef CKF_EC_ECPARAMETERS
#define CKF_EC_ECPARAMETERS 0x00400000UL
#endif
#ifndef CKF_EC_OID
#define CKF_EC_OID 0x00800000UL
#endif
#ifndef CKF_EC_CURVENAME
#define CKF_EC_CURVENAME 0x04000000UL
#endif

/* Object classes and profiles */
#ifndef CKO_PROFILE
#define CKO_PROFILE 0x00000009UL
#endif

#ifndef CKP_INVALID_ID
#define CKP_INVALID_ID 0x00000000UL
#endif
#ifndef CKP_BASELINE_PROVIDER
#define CKP_BASELINE_PROVIDER 0x00000001UL
#endif
#ifndef CKP_EXTENDED_PROVIDER
#define CKP_EXTENDED_PROVIDER 0x00000002UL
#endif
#ifndef CKP_AUTHENTICATION_TOKEN
#define CKP_AUTHENTICATION_TOKEN 0x00000003UL
#endif
#ifndef CKP_PUBLIC_CERTIFICATES_TOKEN
#define CKP_PUBLIC_CERTIFICATES_TOKEN 0x00000004UL
#endif
#ifndef CKP_VENDOR_DEFINED
#define CKP_VENDOR_DEFINED 0x80000000UL
#endif

/* Key types */
#ifndef CKK_SHA3_224_HMAC
#define CKK_SHA3_224_HMAC 0x00000036UL
#endif
#ifndef CKK_SHA3_256_HMAC
#define CKK_SHA3_256_HMAC 0x00000037UL
#endif
#ifndef CKK_SHA3_384_HMAC
#define CKK_SHA3_384_HMAC 0x00000038UL
#endif
#ifndef CKK_SHA3_512_HMAC
#define CKK_SHA3_512_HMAC 0x00000039UL
#endif
#ifndef CKK_EC_EDWARDS
#define CKK_EC_EDWARDS 0x00000040UL
#endif
#ifndef CKK_EC_MONTGOMERY
#define CKK_EC_MONTGOMERY 0x00000041UL
#endif
#ifndef CKK_SHA512_224_HMAC
#define CKK_SHA512_224_HMAC 0x00000043UL
#endif
#ifndef CKK_SHA512_256_HMAC
#define CKK_SHA512_256_HMAC 0x00000044UL
#endif
#ifndef CKK_SHA512_T_HMAC
#define CKK_SHA512_T_HMAC 0x00000045UL
#endif

/* Attributes */
#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID 0x00000004UL
#endif
#ifndef CKA_PROFILE_ID
#define CKA_PROFILE_ID 0x00000601UL
#endif

/* Mechanisms: RSA with SHA-3 */
#ifndef CKM_SHA3_256_RSA_PKCS
#define CKM_SHA3_256_RSA_PKCS 0x00000060UL
#endif
#ifndef CKM_SHA3_384_RSA_PKCS
#define CKM_SHA3_384_RSA_PKCS 0x00000061UL
#endif
#ifndef CKM_SHA3_512_RSA_PKCS
#define CKM_SHA3_512_RSA_PKCS 0x00000062UL
#endif
#ifndef CKM_SHA3_256_RSA_PKCS_PSS
#define CKM_SHA3_256_RSA_PKCS_PSS 0x00000063UL
#endif
#ifndef CKM_SHA3_384_RSA_PKCS_PSS
#define CKM_SHA3_384_RSA_PKCS_PSS 0x00000064UL
#endif
#ifndef CKM_SHA3_512_RSA_PKCS_PSS
#define CKM_SHA3_512_RSA_PKCS_PSS 0x00000065UL
#endif
#ifndef CKM_SHA3_224_RSA_PKCS
#define CKM_SHA3_224_RSA_PKCS 0x00000066UL
#endif
#ifndef CKM_SHA3_224_RSA_PKCS_PSS
#define CKM_SHA3_224_RSA_PKCS_PSS 0x00000067UL
#endif

/* Mechanisms: SHA-3 digests, HMACs and HMAC key generation */
#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002B0UL
#endif
#ifndef CKM_SHA3_256_HMAC
#define CKM_SHA3_256_HMAC 0x000002B1UL
#endif
#ifndef CKM_SHA3_256_HMAC_GENERAL
#define CKM_SHA3_256_HMAC_GENERAL 0x000002B2UL
#endif
#ifndef CKM_SHA3_256_KEY_GEN
#define CKM_SHA3_256_KEY_GEN 0x000002B3UL
#endif
#ifndef CKM_SHA3_224
#define CKM_SHA3_224 0x000002B5UL
#endif
#ifndef CKM_SHA3_224_HMAC
#define CKM_SHA3_224_HMAC 0x000002B6UL
#endif
#ifndef CKM_SHA3_224_HMAC_GENERAL
#define CKM_SHA3_224_HMAC_GENERAL 0x000002B7UL
#endif
#ifndef CKM_SHA3_224_KEY_GEN
#define CKM_SHA3_224_KEY_GEN 0x000002B8UL
#endif
#ifndef CKM_SHA3_384
#define CKM_SHA3_384 0x000002C0UL
#endif
#ifndef CKM_SHA3_384_HMAC
#define CKM_SHA3_384_HMAC 0x000002C1UL
#endif
#ifndef CKM_SHA3_384_HMAC_GENERAL
#define CKM_SHA3_384_HMAC_GENERAL 0x000002C2UL
#endif
#ifndef CKM_SHA3_384_KEY_GEN
#define CKM_SHA3_384_KEY_GEN 0x000002C3UL
#endif
#ifndef CKM_SHA3_512
#define CKM_SHA3_512 0x000002D0UL
#endif
#ifndef CKM_SHA3_512_HMAC
#define CKM_SHA3_512_HMAC 0x000002D1UL
#endif
#ifndef CKM_SHA3_512_HMAC_GENERAL
#define CKM_SHA3_512_HMAC_GENERAL 0x000002D2UL
#endif
#ifndef CKM_SHA3_512_KEY_GEN
#define CKM_SHA3_512_KEY_GEN 0x000002D3UL
#endif

/* Mechanisms: key derivation by SHA-3 digest */
#ifndef CKM_SHA3_256_KEY_DERIVATION
#define CKM_SHA3_256_KEY_DERIVATION 0x00000397UL
#endif
#ifndef CKM_SHA3_224_KEY_DERIVATION
#define CKM_SHA3_224_KEY_DERIVATION 0x00000398UL
#endif
#ifndef CKM_SHA3_384_KEY_DERIVATION
#define CKM_SHA3_384_KEY_DERIVATION 0x00000399UL
#endif
#ifndef CKM_SHA3_512_KEY_DERIVATION
#define CKM_SHA3_512_KEY_DERIVATION 0x0000039AUL
#endif

/* Mechanisms: elliptic curves */
#ifndef CKM_ECDSA_SHA3_224
#define CKM_ECDSA_SHA3_224 0x00001047UL
#endif
#ifndef CKM_ECDSA_SHA3_256
#define CKM_ECDSA_SHA3_256 0x00001048UL
#endif
#ifndef CKM_ECDSA_SHA3_384
#define CKM_ECDSA_SHA3_384 0x00001049UL
#endif
#ifndef CKM_ECDSA_SHA3_512
#define CKM_ECDSA_SHA3_512 0x0000104AUL
#endif
#ifndef CKM_EC_EDWARDS_KEY_PAIR_GEN
#define CKM_EC_EDWARDS_KEY_PAIR_GEN 0x00001055UL
#endif
#ifndef CKM_EC_MONTGOMERY_KEY_PAIR_GEN
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN 0x00001056UL
#endif
#ifndef CKM_EDDSA
#define CKM_EDDSA 0x00001057UL
#endif
#ifndef CKM_XEDDSA
#define CKM_XEDDSA 0x00004029UL
#endif

/* Mechanisms: AES key wrapping */
#ifndef CKM_AES_KEY_WRAP
#define CKM_AES_KEY_WRAP 0x00002109UL
#endif
#ifndef CKM_AES_KEY_WRAP_PAD
#define CKM_AES_KEY_WRAP_PAD 0x0000210AUL
#endif
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif

/* Mechanisms: generation of HMAC keys bound to one SHA-1/SHA-2 digest */
#ifndef CKM_SHA_1_KEY_GEN
#define CKM_SHA_1_KEY_GEN 0x00004003UL
#endif
#ifndef CKM_SHA224_KEY_GEN
#define CKM_SHA224_KEY_GEN 0x00004004UL
#endif
#ifndef CKM_SHA256_KEY_GEN
#define CKM_SHA256_KEY_GEN 0x00004005UL
#endif
#ifndef CKM_SHA384_KEY_GEN
#define CKM_SHA384_KEY_GEN 0x00004006UL
#endif
#ifndef CKM_SHA512_KEY_GEN
#define CKM_SHA512_KEY_GEN 0x00004007UL
#endif
#ifndef CKM_SHA512_224_KEY_GEN
#define CKM_SHA512_224_KEY_GEN 0x00004008UL
#endif
#ifndef CKM_SHA512_256_KEY_GEN
#define CKM_SHA512_256_KEY_GEN 0x00004009UL
#endif
#ifndef CKM_SHA512_T_KEY_GEN
#define CKM_SHA512_T_KEY_GEN 0x0000400AUL
#endif

/* Mask generation functions of RSA OAEP and PSS */
#ifndef CKG_MGF1_SHA3_224
#define CKG_MGF1_SHA3_224 0x00000006UL
#endif
#ifndef CKG_MGF1_SHA3_256
#define CKG_MGF1_SHA3_256 0x00000007UL
#endif
#ifndef CKG_MGF1_SHA3_384
#define CKG_MGF1_SHA3_384 0x00000008UL
#endif
#ifndef CKG_MGF1_SHA3_512
#define CKG_MGF1_SHA3_512 0x00000009UL
#endif

/* IV and nonce generators of the message-based AEAD parameters */
#ifndef CKG_NO_GENERATE
#define CKG_NO_GENERATE 0x00000000UL
#endif
#ifndef CKG_GENERATE
#define CKG_GENERATE 0x00000001UL
#endif
#ifndef CKG_GENERATE_COUNTER
#define CKG_GENERATE_COUNTER 0x00000002UL
#endif
#ifndef CKG_GENERATE_RANDOM
#define CKG_GENERATE_RANDOM 0x00000003UL
#endif
#ifndef CKG_GENERATE_COUNTER_XOR
#define CKG_GENERATE_COUNTER_XOR 0x00000004UL
#endif

/* Key derivation functions of ECDH */
#ifndef CKD_SHA3_224_KDF
#define CKD_SHA3_224_KDF 0x0000000AUL
#endif
#ifndef CKD_SHA3_256_KDF
#define CKD_SHA3_256_KDF 0x0000000BUL
#endif
#ifndef CKD_SHA3_384_KDF
#define CKD_SHA3_384_KDF 0x0000000CUL
#endif
#ifndef CKD_SHA3_512_KDF
#define CKD_SHA3_512_KDF 0x0000000DUL
#endif

#if CRYPTOKI_VERSION_MAJOR < 3

typedef CK_ULONG CK_PROFILE_ID;
typedef CK_PROFILE_ID *CK_PROFILE_ID_PTR;

typedef CK_ULONG CK_EC_KDF_TYPE;
typedef CK_EC_KDF_TYPE *CK_EC_KDF_TYPE_PTR;

typedef CK_ULONG CK_GENERATOR_FUNCTION;

typedef CK_ULONG CK_XEDDSA_HASH_TYPE;
typedef CK_XEDDSA_HASH_TYPE *CK_XEDDSA_HASH_TYPE_PTR;

/* One interface offered by C_GetInterfaceList and C_GetInterface. */
typedef struct ck_interface {
	CK_UTF8CHAR_PTR pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;

typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

/* Parameters of CKM_AES_CCM for the single-part functions. */
typedef struct ck_ccm_params {
	CK_ULONG ulDataLen;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulMACLen;
} CK_CCM_PARAMS;

typedef CK_CCM_PARAMS *CK_CCM_PARAMS_PTR;

/* Per-message parameters of CKM_AES_GCM for the message-based functions. */
typedef struct ck_gcm_message_params {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_ULONG ulIvFixedBits;
	CK_GENERATOR_FUNCTION ivGenerator;
	CK_BYTE_PTR pTag;
	CK_ULONG ulTagBits;
} CK_GCM_MESSAGE_PARAMS;

typedef CK_GCM_MESSAGE_PARAMS *CK_GCM_MESSAGE_PARAMS_PTR;

/* Per-message parameters of CKM_AES_CCM for the message-based functions. */
typedef struct ck_ccm_message_params {
	CK_ULONG ulDataLen;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_ULONG ulNonceFixedBits;
	CK_GENERATOR_FUNCTION nonceGenerator;
	CK_BYTE_PTR pMAC;
	CK_ULONG ulMACLen;
} CK_CCM_MESSAGE_PARAMS;

typedef CK_CCM_MESSAGE_PARAMS *CK_CCM_MESSAGE_PARAMS_PTR;

/* Parameters of CKM_EDDSA: pre-hash flag and context (Ed25519ctx, Ed25519ph, Ed448). */
typedef struct ck_eddsa_params {
	CK_BBOOL phFlag;
	CK_ULONG ulContextDataLen;
	CK_BYTE_PTR pContextData;
} CK_EDDSA_PARAMS;

typedef CK_EDDSA_PARAMS *CK_EDDSA_PARAMS_PTR;

/* Parameters of CKM_XEDDSA: the digest mechanism to use. */
typedef struct ck_xeddsa_params {
	CK_XEDDSA_HASH_TYPE hash;
} CK_XEDDSA_PARAMS;

typedef CK_XEDDSA_PARAMS *CK_XEDDSA_PARAMS_PTR;

/*
 * The functions new in 3.0, each with its CK_C_<name> pointer type, in the
 * order of the 3.0 function list.
 */
typedef CK_RV (*CK_C_GetInterfaceList)(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
typedef CK_RV (*CK_C_GetInterface)(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                   CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);
typedef CK_RV (*CK_C_LoginUser)(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                                CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername,
                                CK_ULONG ulUsernameLen);
typedef CK_RV (*CK_C_SessionCancel)(CK_SESSION_HANDLE hSession, CK_FLAGS flags);

typedef CK_RV (*CK_C_MessageEncryptInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_EncryptMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                     CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG_PTR pulCiphertextLen);
typedef CK_RV (*CK_C_EncryptMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen);
typedef CK_RV (*CK_C_EncryptMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags);
typedef CK_RV (*CK_C_MessageEncryptFinal)(CK_SESSION_HANDLE hSession);

typedef CK_RV (*CK_C_MessageDecryptInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                         CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_DecryptMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                     CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                     CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
                                     CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                                     CK_ULONG_PTR pulPlaintextLen);
typedef CK_RV (*CK_C_DecryptMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                          CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                          CK_ULONG ulAssociatedDataLen);
typedef CK_RV (*CK_C_DecryptMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                                         CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                                         CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags);
typedef CK_RV (*CK_C_MessageDecryptFinal)(CK_SESSION_HANDLE hSession);

typedef CK_RV (*CK_C_MessageSignInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                      CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_SignMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                  CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                  CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen);
typedef CK_RV (*CK_C_SignMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                       CK_ULONG ulParameterLen);
typedef CK_RV (*CK_C_SignMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                      CK_ULONG ulParameterLen, CK_BYTE_PTR pData,
                                      CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                      CK_ULONG_PTR pulSignatureLen);
typedef CK_RV (*CK_C_MessageSignFinal)(CK_SESSION_HANDLE hSession);

typedef CK_RV (*CK_C_MessageVerifyInit)(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                        CK_OBJECT_HANDLE hKey);
typedef CK_RV (*CK_C_VerifyMessage)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                    CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                    CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen);
typedef CK_RV (*CK_C_VerifyMessageBegin)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                         CK_ULONG ulParameterLen);
typedef CK_RV (*CK_C_VerifyMessageNext)(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                        CK_ULONG ulParameterLen, CK_BYTE_PTR pData,
                                        CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                                        CK_ULONG ulSignatureLen);
typedef CK_RV (*CK_C_MessageVerifyFinal)(CK_SESSION_HANDLE hSession);

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);
CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen);
CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags);

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                           CK_OBJECT_HANDLE hKey);
CK_RV C_EncryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                       CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                       CK_ULONG_PTR pulCiphertextLen);
CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                            CK_ULONG ulAssociatedDataLen);
CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                           CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                           CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags);
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE hSession);

CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                           CK_OBJECT_HANDLE hKey);
CK_RV C_DecryptMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                       CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen,
                       CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                       CK_ULONG_PTR pulPlaintextLen);
CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                            CK_ULONG ulAssociatedDataLen);
CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                           CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                           CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags);
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE hSession);

CK_RV C_MessageSignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hKey);
CK_RV C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                    CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                    CK_ULONG_PTR pulSignatureLen);
CK_RV C_SignMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                         CK_ULONG ulParameterLen);
CK_RV C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                        CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                        CK_ULONG_PTR pulSignatureLen);
CK_RV C_MessageSignFinal(CK_SESSION_HANDLE hSession);

CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_OBJECT_HANDLE hKey);
CK_RV C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
                      CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
                      CK_ULONG ulSignatureLen);
CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                           CK_ULONG ulParameterLen);
CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                          CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                          CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen);
CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE hSession);

/*
 * The 3.0 function list: the 2.40 list member for member (so a pointer to it
 * may be handed out where a CK_FUNCTION_LIST is expected), then the 3.0
 * functions.
 */
typedef struct ck_function_list_3_0 {
	CK_VERSION version;
	CK_C_Initialize C_Initialize;
	CK_C_Finalize C_Finalize;
	CK_C_GetInfo C_GetInfo;
	CK_C_GetFunctionList C_GetFunctionList;
	CK_C_GetSlotList C_GetSlotList;
	CK_C_GetSlotInfo C_GetSlotInfo;
	CK_C_GetTokenInfo C_GetTokenInfo;
	CK_C_GetMechanismList C_GetMechanismList;
	CK_C_GetMechanismInfo C_GetMechanismInfo;
	CK_C_InitToken C_InitToken;
	CK_C_InitPIN C_InitPIN;
	CK_C_SetPIN C_SetPIN;
	CK_C_OpenSession C_OpenSession;
	CK_C_CloseSession C_CloseSession;
	CK_C_CloseAllSessions C_CloseAllSessions;
	CK_C_GetSessionInfo C_GetSessionInfo;
	CK_C_GetOperationState C_GetOperationState;
	CK_C_SetOperationState C_SetOperationState;
	CK_C_Login C_Login;
	CK_C_Logout C_Logout;
	CK_C_CreateObject C_CreateObject;
	CK_C_CopyObject C_CopyObject;
	CK_C_DestroyObject C_DestroyObject;
	CK_C_GetObjectSize C_GetObjectSize;
	CK_C_GetAttributeValue C_GetAttributeValue;
	CK_C_SetAttributeValue C_SetAttributeValue;
	CK_C_FindObjectsInit C_FindObjectsInit;
	CK_C_FindObjects C_FindObjects;
	CK_C_FindObjectsFinal C_FindObjectsFinal;
	CK_C_EncryptInit C_EncryptInit;
	CK_C_Encrypt C_Encrypt;
	CK_C_EncryptUpdate C_EncryptUpdate;
	CK_C_EncryptFinal C_EncryptFinal;
	CK_C_DecryptInit C_DecryptInit;
	CK_C_Decrypt C_Decrypt;
	CK_C_DecryptUpdate C_DecryptUpdate;
	CK_C_DecryptFinal C_DecryptFinal;
	CK_C_DigestInit C_DigestInit;
	CK_C_Digest C_Digest;
	CK_C_DigestUpdate C_DigestUpdate;
	CK_C_DigestKey C_DigestKey;
	CK_C_DigestFinal C_DigestFinal;
	CK_C_SignInit C_SignInit;
	CK_C_Sign C_Sign;
	CK_C_SignUpdate C_SignUpdate;
	CK_C_SignFinal C_SignFinal;
	CK_C_SignRecoverInit C_SignRecoverInit;
	CK_C_SignRecover C_SignRecover;
	CK_C_VerifyInit C_VerifyInit;
	CK_C_Verify C_Verify;
	CK_C_VerifyUpdate C_VerifyUpdate;
	CK_C_VerifyFinal C_VerifyFinal;
	CK_C_VerifyRecoverInit C_VerifyRecoverInit;
	CK_C_VerifyRecover C_VerifyRecover;
	CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
	CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
	CK_C_SignEncryptUpdate C_SignEncryptUpdate;
	CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
	CK_C_GenerateKey C_GenerateKey;
	CK_C_GenerateKeyPair C_GenerateKeyPair;
	CK_C_WrapKey C_WrapKey;
	CK_C_UnwrapKey C_UnwrapKey;
	CK_C_DeriveKey C_DeriveKey;
	CK_C_SeedRandom C_SeedRandom;
	CK_C_GenerateRandom C_GenerateRandom;
	CK_C_GetFunctionStatus C_GetFunctionStatus;
	CK_C_CancelFunction C_CancelFunction;
	CK_C_WaitForSlotEvent C_WaitForSlotEvent;

	CK_C_GetInterfaceList C_GetInterfaceList;
	CK_C_GetInterface C_GetInterface;
	CK_C_LoginUser C_LoginUser;
	CK_C_SessionCancel C_SessionCancel;
	CK_C_MessageEncryptInit C_MessageEncryptInit;
	CK_C_EncryptMessage C_EncryptMessage;
	CK_C_EncryptMessageBegin C_EncryptMessageBegin;
	CK_C_EncryptMessageNext C_EncryptMessageNext;
	CK_C_MessageEncryptFinal C_MessageEncryptFinal;
	CK_C_MessageDecryptInit C_MessageDecryptInit;
	CK_C_DecryptMessage C_DecryptMessage;
	CK_C_DecryptMessageBegin C_DecryptMessageBegin;
	CK_C_DecryptMessageNext C_DecryptMessageNext;
	CK_C_MessageDecryptFinal C_MessageDecryptFinal;
	CK_C_MessageSignInit C_MessageSignInit;
	CK_C_SignMessage C_SignMessage;
	CK_C_SignMessageBegin C_SignMessageBegin;
	CK_C_SignMessageNext C_SignMessageNext;
	CK_C_MessageSignFinal C_MessageSignFinal;
	CK_C_MessageVerifyInit C_MessageVerifyInit;
	CK_C_VerifyMessage C_VerifyMessage;
	CK_C_VerifyMessageBegin C_VerifyMessageBegin;
	CK_C_VerifyMessageNext C_VerifyMessageNext;
	CK_C_MessageVerifyFinal C_MessageVerifyFinal;
} CK_FUNCTION_LIST_3_0;

typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR *CK_FUNCTION_LIST_3_0_PTR_PTR;

#endif /* CRYPTOKI_VERSION_MAJOR < 3 */

#ifdef __cplusplus
}
#endif

#include "openslot/pkcs11_3x_kdf.h"

#endif
