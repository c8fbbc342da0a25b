package wxemu

// Error codes the emulator answers with. The first group are WeChat's
// published official-account codes; the second group are failures of the
// device platform whose real codes do not appear in our sources
// (PROTOCOL §0), so the emulator picks obviously artificial values in the
// 9xxxx range. Keep them here, in one place, so they can be corrected.
const (
	CodeSystemBusy        = -1 // also transmsg's "user unsubscribed from status"
	CodeInvalidCredential = 40001
	CodeInvalidGrantType  = 40002
	CodeInvalidOpenID     = 40003
	CodeInvalidAppID      = 40013
	CodeInvalidTemplateID = 40037
	CodeInvalidAppSecret  = 40125
	CodeTokenMissing      = 41001
	CodeTokenExpired      = 42001
	CodeRequireGET        = 43001
	CodeRequirePOST       = 43002
	CodeRequireSubscribe  = 43004
	CodeEmptyPostData     = 44002
	CodeDataFormat        = 47001
	CodeAPIUnknown        = 48001

	CodeBadDeviceType      = 90001 // device_type is not this account's gh_ id
	CodeDeviceUnauthorized = 90002
	CodeDeviceAuthorized   = 90003 // authorize_device op 0 on an authorised device
	CodeBadTicket          = 90004 // bind/unbind ticket unknown, used or for another device
	CodeNotBound           = 90005
	CodeBadDeviceNum       = 90006 // device_num differs from the list length
	CodeInvalidParam       = 90007
	CodeUnknownQRTicket    = 90008
	CodeStatusUnsubscribed = -1
)
